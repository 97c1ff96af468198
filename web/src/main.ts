import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import 'element-plus/dist/index.css'
import './style.css'
import App from './App.vue'
import { router } from './router'
import { installReauth } from './lib/reauth'

const app = createApp(App)
app.use(ElementPlus, { locale: zhCn })
app.use(router)
installReauth()
app.mount('#app')

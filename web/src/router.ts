import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'
import { can, loadSession, session } from './lib/session'
import { whenSetupRequired, whenUnauthenticated } from './lib/api'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean // no session needed
    bare?: boolean // no navigation frame (login, print)
    perm?: string // permission needed (one of several, separated by |)
    title?: string
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', component: () => import('./pages/LoginPage.vue'), meta: { public: true, bare: true, title: '登录' } },
    { path: '/account', component: () => import('./pages/AccountPage.vue'), meta: { title: '账号安全' } },
    { path: '/', component: () => import('./pages/HomePage.vue'), meta: { title: '工作台' } },
    { path: '/children', component: () => import('./pages/ChildrenList.vue'), meta: { perm: 'children.read', title: '儿童名册' } },
    { path: '/children/new', component: () => import('./pages/ChildForm.vue'), meta: { perm: 'children.create', title: '登记儿童' } },
    { path: '/children/:uid', component: () => import('./pages/ChildDetail.vue'), meta: { perm: 'children.read', title: '儿童详情' } },
    { path: '/children/:uid/edit', component: () => import('./pages/ChildForm.vue'), meta: { perm: 'children.edit', title: '修改登记' } },
    { path: '/children/:uid/print', component: () => import('./pages/PrintView.vue'), meta: { perm: 'children.read', bare: true, title: '打印登记表' } },
    { path: '/import', component: () => import('./pages/ImportWizard.vue'), meta: { perm: 'children.import', title: '导入登记表' } },
    { path: '/rosters', component: () => import('./pages/RosterImport.vue'), meta: { perm: 'rosters.import', title: '部门名册' } },
    { path: '/rosters/review', component: () => import('./pages/RosterReview.vue'), meta: { perm: 'rosters.import', title: '比对复核' } },
    { path: '/rosters/verifications', component: () => import('./pages/VerificationLists.vue'), meta: { perm: 'rosters.import', title: '核查名单' } },
    { path: '/discrepancies', component: () => import('./pages/DiscrepancyReport.vue'), meta: { perm: 'leads.read', title: '差异核查' } },
    { path: '/review-queue', component: () => import('./pages/ReviewQueue.vue'), meta: { perm: 'children.review', title: '重新判定复核' } },
    { path: '/handovers', component: () => import('./pages/HandoversPage.vue'), meta: { perm: 'children.read', title: '迁出迁入' } },
    { path: '/leads', component: () => import('./pages/LeadsList.vue'), meta: { perm: 'leads.read', title: '走访线索' } },
    { path: '/coverage', component: () => import('./pages/CoveragePage.vue'), meta: { perm: 'stats.read', title: '登记覆盖' } },
    { path: '/population', component: () => import('./pages/PopulationFigures.vue'), meta: { perm: 'figures.import', title: '人口统计数据' } },
    { path: '/ledger', component: () => import('./pages/LedgerList.vue'), meta: { perm: 'ledger.read', title: '重点关爱台账' } },
    { path: '/ledger/:uid', component: () => import('./pages/LedgerCase.vue'), meta: { perm: 'ledger.read', title: '一人一档' } },
    { path: '/ledger/:uid/visit', component: () => import('./pages/LedgerVisit.vue'), meta: { perm: 'ledger.work', title: '记录探访' } },
    { path: '/ledger/:uid/print', component: () => import('./pages/LedgerPrint.vue'), meta: { perm: 'ledger.read', bare: true, title: '打印一人一档' } },
    { path: '/referrals', component: () => import('./pages/ReferralQueue.vue'), meta: { perm: 'referrals.work', title: '转介受理' } },
    { path: '/uploads', component: () => import('./pages/UploadsPage.vue'), meta: { perm: 'children.review', title: '上报全国系统' } },
    { path: '/releases', component: () => import('./pages/ReleasesPage.vue'), meta: { perm: 'stats.read', title: '数据发布' } },
    { path: '/releases/:uid', component: () => import('./pages/ReleaseDetail.vue'), meta: { perm: 'stats.read', title: '数据发布' } },
    { path: '/releases/:uid/print', component: () => import('./pages/ReleasePrint.vue'), meta: { perm: 'stats.read', bare: true, title: '打印数据发布' } },
    { path: '/campaigns', component: () => import('./pages/CampaignsPage.vue'), meta: { perm: 'stats.read', title: '摸排调度' } },
    { path: '/bulletins/:number/print', component: () => import('./pages/BulletinPrint.vue'), meta: { perm: 'stats.read', bare: true, title: '打印通报' } },
    { path: '/dashboard', component: () => import('./pages/DashboardPage.vue'), meta: { perm: 'stats.read', title: '统计分析' } },
    { path: '/stats/tables', component: () => import('./pages/StatsTables.vue'), meta: { perm: 'stats.read', title: '统计报表' } },
    { path: '/admin/users', component: () => import('./pages/AdminUsers.vue'), meta: { perm: 'users.manage|keys.manage', title: '账号管理' } },
    { path: '/audit', component: () => import('./pages/AuditPage.vue'), meta: { perm: 'audit.read', title: '审计日志' } },
    { path: '/exports', component: () => import('./pages/ExportApprovals.vue'), meta: { perm: 'children.read', title: '记录导出与审批' } },
    { path: '/forbidden', component: () => import('./pages/NotFound.vue'), props: { forbidden: true }, meta: { title: '没有权限' } },
    { path: '/:pathMatch(.*)*', component: () => import('./pages/NotFound.vue'), meta: { title: '页面不存在' } },
  ],
  scrollBehavior: () => ({ top: 0 }),
})

/** guard decides where a navigation goes: login first, then a forced password change, then
 * the page if the user may see it. */
export async function guard(to: RouteLocationNormalized) {
  if (to.meta.public) return true
  if (!session.user) {
    try {
      if (!(await loadSession())) return { path: '/login', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
    } catch {
      return { path: '/login', query: { next: to.fullPath } }
    }
  }
  if (session.mustChangePassword && to.path !== '/account') return { path: '/account', query: { must: '1' } }
  if (to.meta.perm && !to.meta.perm.split('|').some((p) => can(p))) return { path: '/forbidden', query: { from: to.fullPath } }
  return true
}

router.beforeEach(guard)
router.afterEach((to) => {
  document.title = (to.meta.title ? to.meta.title + ' · ' : '') + '关爱 · 流动儿童和留守儿童监测摸排系统'
})

whenUnauthenticated(() => {
  session.user = null
  const cur = router.currentRoute.value
  if (!cur.meta.public) router.replace({ path: '/login', query: { next: cur.fullPath, expired: '1' } })
})

whenSetupRequired((code) => {
  if (router.currentRoute.value.path !== '/account') router.replace({ path: '/account', query: { must: code === 'mfa_setup_required' ? 'mfa' : '1' } })
})

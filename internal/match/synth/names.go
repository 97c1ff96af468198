package synth

import (
	"math"
	"strings"
)

// Name material. Frequencies are approximate shares (per mille) of surnames in northern China
// (public-security name reports; Inner Mongolia leans towards 王, 张, 李, 刘, 赵, 高, 郭, 马, 杨).

type weighted struct {
	items []string
	cum   []float64
}

func newWeighted(spec string) *weighted {
	w := &weighted{}
	total := 0.0
	for _, f := range strings.Fields(spec) {
		i := strings.IndexByte(f, ':')
		name, val := f[:i], f[i+1:]
		x := 0.0
		for _, c := range val {
			if c == '.' {
				continue
			}
			x = x*10 + float64(c-'0')
		}
		if j := strings.IndexByte(val, '.'); j >= 0 {
			for k := 0; k < len(val)-j-1; k++ {
				x /= 10
			}
		}
		total += x
		w.items = append(w.items, name)
		w.cum = append(w.cum, total)
	}
	for i := range w.cum {
		w.cum[i] /= total
	}
	return w
}

// zipf builds a weighted list from items in decreasing popularity, weight rank^-s.
func zipf(items []string, s float64) *weighted {
	w := &weighted{items: items}
	total := 0.0
	for i := range items {
		x := math.Pow(float64(i+1), -s)
		total += x
		w.cum = append(w.cum, total)
	}
	for i := range w.cum {
		w.cum[i] /= total
	}
	return w
}

var surnames = newWeighted(`王:80 张:75 李:75 刘:60 杨:35 赵:30 高:25 郭:20 马:20 孙:20 陈:20 韩:15 任:15 
杜:12 闫:12 白:12 田:10 贾:10 吴:10 周:10 徐:10 胡:10 朱:10 何:8 郝:8 武:8 乔:7 史:7 梁:7 宋:7
冯:7 曹:7 许:6 邓:4 谢:5 唐:5 于:6 董:7 袁:5 苏:6 魏:6 吕:6 丁:5 程:5 崔:6 康:5 姜:5 薛:5 侯:6
段:5 雷:4 贺:5 范:4 秦:5 石:5 孟:5 尹:3 常:5 牛:5 温:4 霍:4 樊:4 申:3 安:4 路:3 翟:3 芦:2
宁:3 卢:4 罗:4 林:3 黄:5 郑:4 蔡:2 彭:3 潘:2 余:2 叶:2 蒋:3 钟:2 汪:2 陆:2 金:3 夏:3 邱:2 方:2
邢:3 岳:3 付:4 傅:2 肖:3 萧:1 单:2 曾:2 葛:2 姚:4 廖:1 邵:3 毛:3 戴:2 陶:2 龚:1 万:2 严:2 赖:1
齐:3 庞:2 焦:3 鲍:2 云:2 奇:1 包:4 欧阳:0.5 司马:0.3 上官:0.2 诸葛:0.2 尉迟:0.1 呼延:0.2`)

// adult given-name characters for composed names of the parents' generation.
var manChars = strings.Fields(`建 国 志 军 伟 强 明 华 平 刚 勇 海 涛 永 宏 立 文 新 春 学 东 德 福 宝 金 玉 山 林 成 红 卫
俊 峰 鹏 辉 斌 杰 亮 飞 波 磊 超 庆 利 胜 忠 义 兴 旺 贵 荣 生 龙 虎 江 河 树 森 晓 小 振 云 宇 光 清 长 荣 发 喜`)

var womanChars = strings.Fields(`秀 英 兰 玉 桂 芳 丽 敏 静 燕 艳 霞 玲 红 梅 娟 丹 萍 婷 慧 莉 琴 凤 华 翠 春 美 晓 雪 彩
淑 珍 芬 娥 琳 晶 颖 洁 璐 娜 薇 蓉 月 花 云 霞 冬 秋 海 小 亚 楠 佳 欣 文 雅 素 金 银 香 艳 爱 艾 亚`)

// mongolSurnames are surnames Mongolian families in Inner Mongolia often write.
var mongolSurnames = newWeighted(`包:30 白:20 宝:10 韩:8 鲍:6 吴:5 王:5 张:5 云:5 奇:4 那:3 额:2`)

var boyChars = strings.Fields(`浩 宇 轩 子 俊 杰 博 文 涛 明 辉 晨 阳 鑫 磊 鹏 强 伟 刚 军 志 天 一 嘉 睿 泽 铭 豪 瑞 凯
翔 然 宁 航 帅 旭 昊 霖 锦 彬 斌 亮 超 龙 飞 毅 诚 峰 岩 建 国 家 佳 晓 思 宏 海 林 奕 辰 梓 煜 皓 弘 鸿 振 成 宸
恒 胤 骏 逸 致 远 乐 星 亦 安 承 哲 楷 瀚 晟 毅 靖 永 德 福 荣`)

var girlChars = strings.Fields(`欣 怡 涵 梓 萱 诗 雨 琪 佳 悦 婷 雪 静 思 梦 雅 媛 妍 晨 馨 瑶 琳 丽 娜 芳 颖 慧 蕊 露 月
彤 可 嘉 一 茜 洁 菲 璐 若 依 语 宁 溪 晴 心 安 诺 紫 艺 子 舒 雯 楠 琦 玥 涵 清 婉 蓉 薇 蕾 晗 桐 希 曦 岚 玲
秀 丹 珊 倩 莉 佩 燕 霞 红 艳 瑾 璇 嫣 沫 笑`)

var popularBoy = strings.Fields(`浩然 子轩 宇轩 浩宇 梓涵 子涵 一诺 宇航 俊杰 博文 奕辰 梓轩 子墨 浩轩 宇泽 皓轩 明轩 睿
泽 天佑 俊熙 昊然 思远 文博 嘉懿 鑫磊 子豪 志强 家乐 晨阳 梓豪 俊宇 宇晨 嘉豪 子健 浩楠 一鸣 泽宇 天宇 博涵 铭泽`)

var popularGirl = strings.Fields(`子涵 梓涵 欣怡 一诺 诗涵 雨涵 梓萱 语桐 可欣 思涵 雨萱 欣妍 佳怡 紫涵 梦琪 馨怡 依诺
若汐 雨桐 梓琪 诗琪 欣悦 可馨 佳琪 芷若 语嫣 思彤 雅琪 婧琪 心怡 梦瑶 佳悦 雨欣 晨曦 嘉怡 静怡 一涵 艺涵 沐晴 佳琳`)

// adult given names of the parents' and grandparents' generations.
var manAdult = strings.Fields(`伟 强 军 勇 磊 涛 斌 杰 峰 刚 超 鹏 辉 俊 飞 华 平 亮 明 波 建国 建军 建华 志强 志刚 海涛
海军 海龙 晓东 晓明 永强 永刚 文斌 文杰 国强 国庆 红军 卫东 德胜 德明 福生 玉山 金山 宝山 长青 春生 继红 振华
建平 新民 立新 学军 俊峰 云飞 世杰 双喜 小龙 晓峰 立军 利军 宏伟 红伟 志勇 志军 建伟 东升 永胜`)

var womanAdult = strings.Fields(`娜 芳 丽 敏 静 燕 艳 霞 玲 红 梅 娟 丹 萍 婷 慧 莉 琴 英 兰 秀英 桂兰 玉兰 淑珍 秀兰 桂英
玉梅 秀珍 凤英 丽娟 丽华 丽萍 晓燕 晓丽 春梅 海燕 红梅 雪梅 彩霞 金花 翠花 美玲 小红 小燕 晓梅 秀梅 玉霞 玉珍
文静 静静 莉莉 婷婷 亚楠 雅琴 淑芬 淑英 丽娜 红霞 海霞 艳红 春燕 冬梅 月娥`)

var mongolMale = strings.Fields(`巴特尔 额尔敦 苏和 朝鲁 宝音 巴雅尔 孟和 哈斯 达来 呼和 德力格尔 特木尔 乌力吉 毕力格 布和
阿拉坦仓 吉日嘎拉 那日苏 满都拉 斯琴巴特尔 额尔德尼 巴图 图门 敖敦 朝克图 格日勒图 阿木古楞 胡日查 宝力道 其木德`)

var mongolFemale = strings.Fields(`其其格 乌日娜 苏日娜 格日勒 斯琴 那仁 阿茹娜 萨仁 乌云 图雅 塔娜 高娃 其木格 乌兰 赛罕
娜布其 诺敏 琪琪格 额日敦其其格 萨日娜 阿拉腾 哈斯其其格 乌仁 托娅 娜仁花 吉雅 朝格 斯日古楞 包音 敖登`)

// dotNames are transliterated names with a middle dot (Hui, Uyghur and other families).
var dotNames = func() []string {
	first := strings.Fields(`阿依古丽 买买提 古丽米拉 艾力 热依汗 阿卜杜 努尔 阿迪力 帕提古丽 迪丽娜尔 艾合买提 玉苏甫 阿娜尔 吐尔洪 马合木提 祖丽皮亚`)
	last := strings.Fields(`买买提 艾力 吐尔逊 阿不都 努尔 热合曼 艾合买提 玉素甫 司马义 卡德尔 依明 托合提 肉孜 阿吉`)
	var out []string
	for _, f := range first {
		for _, l := range last {
			if f != l {
				out = append(out, f+"·"+l)
			}
		}
	}
	return out
}()

// mongolVariants are equivalent transliteration spellings.
var mongolVariants = [][2]string{
	{"尔", "儿"}, {"日", "尔"}, {"其", "奇"}, {"日", "仁"}, {"娜", "那"}, {"特", "铁"}, {"敦", "顿"},
	{"格", "各"}, {"勒", "乐"}, {"其", "琪"}, {"图", "吐"}, {"宝", "保"}, {"苏", "素"}, {"斯", "思"},
}

// lookAlike lists characters confused by shape. A few pairs here are not in the matcher's own
// table on purpose.
var lookAlike = [][2]string{
	{"王", "玉"}, {"未", "末"}, {"己", "已"}, {"日", "曰"}, {"土", "士"}, {"天", "夫"}, {"人", "入"},
	{"大", "太"}, {"刀", "力"}, {"晴", "睛"}, {"陈", "阵"}, {"贝", "见"}, {"免", "兔"}, {"干", "千"},
	{"折", "析"}, {"拔", "拨"}, {"冶", "治"}, {"鸟", "乌"}, {"白", "自"}, {"田", "由"}, {"甲", "申"},
	{"今", "令"}, {"休", "体"}, {"宇", "字"}, {"佳", "住"}, {"彤", "形"}, {"茜", "西"}, {"末", "木"},
	{"辉", "晖"}, {"浩", "治"}, {"博", "傅"}, {"俊", "峻"}, {"婷", "停"}, {"琳", "淋"}, {"悦", "锐"},
	{"明", "朋"}, {"杰", "木"}, {"萱", "宣"}, {"睿", "容"}, {"怡", "冶"}, {"涵", "函"}, {"鑫", "金"},
}

// simpTrad maps simplified characters to their traditional forms (a subset of the matcher's).
var simpTrad = func() map[rune]rune {
	pairs := "张張陈陳刘劉杨楊黄黃赵趙吴吳孙孫马馬罗羅郑鄭谢謝许許韩韓冯馮邓鄧叶葉蒋蔣苏蘇吕呂卢盧" +
		"钟鍾谭譚陆陸贾賈闫閆龙龍贺賀顾顧万萬钱錢严嚴乔喬齐齊宁寧华華伟偉国國军軍东東红紅丽麗" +
		"杰傑涛濤鹏鵬辉輝强強刚剛凤鳳云雲飞飛兴興宝寶贵貴荣榮顺順义義爱愛兰蘭鸣鳴学學乐樂庆慶" +
		"广廣晋晉莹瑩娇嬌静靜圣聖艺藝诗詩语語铭銘锦錦锋鋒锐銳钰鈺洁潔润潤滨濱泽澤汉漢胜勝诚誠" +
		"欢歡晓曉渊淵满滿艳艷颖穎瑶瑤轩軒远遠阳陽双雙灵靈韵韻颂頌颜顏风風骏駿腾騰鸿鴻鹤鶴诺諾" +
		"凯凱梦夢楠楠涵涵帅帥亿億仪儀优優儿兒勋勳启啟团團园園坚堅寿壽专專将將时時晖暉书書会會" +
		"栋棟枫楓树樹桥橋权權岁歲历歷归歸气氣滢瀅济濟澜瀾湾灣炜煒焕煥烨燁灿燦尔爾玮瑋环環珑瓏" +
		"硕碩礼禮颖穎积積筑築纯純绍紹结結绚絢统統维維绮綺绵綿缘緣继繼续續习習聪聰举舉庄莊蓝藍" +
		"亲親观觀记記谊誼谦謙让讓丰豐贞貞宾賓赛賽进進运運达達迈邁银銀锡錫镇鎮镜鏡铁鐵长長门門" +
		"闻聞关關隽雋电電愿願颐頤驰馳体體点點岚嵐铃鈴"
	m := map[rune]rune{}
	rs := []rune(pairs)
	for i := 0; i+1 < len(rs); i += 2 {
		if rs[i] != rs[i+1] {
			m[rs[i]] = rs[i+1]
		}
	}
	return m
}()

// commonChars is a pool of frequent characters from which homophone typos are drawn (an input
// method offers the homophones of the syllable typed; people pick a wrong one).
const commonChars = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坐集编宝谈府拉黑且随格尽剑讲布杀微怕母调局根曾准团段终乐切级克精哪官示冷域假抗" +
	"浩宇轩俊杰博涛辉晨阳鑫磊鹏伟刚嘉睿泽铭豪瑞凯翔宁航帅旭昊霖锦彬斌亮超龙毅诚峰岩佳晓宏奕辰梓煜皓弘鸿振宸恒胤骏逸致楷瀚晟靖永福荣" +
	"欣怡涵萱诗雨琪悦婷雪静梦雅媛妍馨瑶琳丽娜芳颖慧蕊露彤茜洁菲璐依溪晴诺紫艺舒雯楠琦玥婉蓉薇蕾晗桐希曦岚玲秀丹珊倩莉佩燕霞艳瑾璇嫣沫" +
	"涵寒韩含函翰汉晗憨邯焓菡浛琀喊罕旱悍撼捍晨辰臣陈沉尘宸琛谌忱轩宣萱喧暄瑄煊玄悬旋璇选癣炫绚眩宇雨语羽玉育誉域予与屿禹裕遇喻愈郁毓钰昱煜瑜榆渝妤俞逾娱萸于余鱼舆涛滔韬焘桃淘陶萄讨套杰洁捷婕节劫竭睫姐介界戒芥琪其奇棋旗祺骐麒淇崎岐琦齐启企起气器汽契砌豪毫号浩皓昊好郝颢灏嚎壕濠皓怡依伊衣医仪宜姨移遗疑夷沂诒贻饴以已乙矣蚁倚艺亿忆义益谊逸意毅翼溢诣熠婷亭停庭廷霆蜓挺艇听厅汀铭明名鸣茗冥溟命瑶遥摇谣姚窑尧要耀钥药曜"

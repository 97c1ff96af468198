package match

// tradSimpPairs is a compact table of traditional characters found in personal names and their
// simplified forms, written as consecutive pairs (traditional, simplified). It covers the common
// surnames and given-name characters; it is not a general converter. Characters whose
// traditional form is also a valid simplified name character in its own right (乾, 昇, 於 as a
// surname …) are left out on purpose.
const tradSimpPairs = "" +
	// surnames
	"張张陳陈劉刘楊杨黃黄趙赵吳吴孫孙馬马羅罗鄭郑謝谢許许韓韩馮冯鄧邓蕭萧葉叶蔣蒋蘇苏" +
	"呂吕盧卢鍾钟譚谭陸陆賈贾韋韦鄒邹閆闫閻阎龍龙賀贺顧顾龔龚萬万錢钱嚴严賴赖湯汤" +
	"鄔邬塗涂聶聂蘆芦駱骆竇窦鄺邝喬乔閔闵鮑鲍嶽岳紀纪歐欧諸诸聞闻遲迟單单區区薩萨" +
	"龐庞衛卫車车倫伦齊齐寧宁夢梦華华溫温饒饶慶庆雲云" +
	// given-name characters
	"偉伟國国軍军東东紅红麗丽傑杰濤涛鵬鹏輝辉強强剛刚鳳凤飛飞興兴寶宝貴贵財财榮荣" +
	"順顺義义愛爱蘭兰鳴鸣學学樂乐廣广晉晋瑩莹嬌娇婭娅靜静聖圣藝艺詩诗語语銘铭錦锦" +
	"鋒锋銳锐鈺钰潔洁潤润濱滨澤泽漢汉勝胜誠诚歡欢曉晓淵渊滿满艷艳豔艳穎颖瑤瑶璽玺" +
	"環环瓊琼臘腊蓮莲蔭荫譽誉豐丰賢贤資资贊赞軒轩輕轻達达遠远邁迈釗钊鈞钧鍵键鎮镇" +
	"長长門门閃闪開开閏闰闊阔陽阳隨随隱隐雙双靈灵韻韵響响頌颂預预領领頻频顏颜額额" +
	"風风颯飒飄飘餘余駿骏騰腾驊骅驕骄鬆松魯鲁鮮鲜鳥鸟鴻鸿鵑鹃鶴鹤鷹鹰麥麦齡龄諾诺" +
	"灝灏帥帅凱凯瀟潇灑洒儷俪嫻娴億亿儀仪優优兒儿勁劲勳勋勵励協协厲厉員员啟启團团" +
	"園园圓圆堅坚壽寿奮奋婦妇媽妈嬋婵專专將将尋寻對对導导屬属嶺岭巖岩幣币幫帮廳厅" +
	"彥彦從从徹彻憶忆應应懷怀戀恋戰战揚扬擁拥斂敛敵敌數数斕斓時时暉晖書书會会朧胧" +
	"條条來来棟栋楓枫樑梁樹树橋桥機机檢检權权歲岁歷历歸归氣气漁渔漣涟潛潜瀅滢濟济" +
	"瀾澜灣湾煒炜煥焕熱热燁烨燦灿爍烁爾尔獻献瑋玮璣玑瓏珑產产畢毕畫画當当發发皚皑" +
	"碩硕確确禎祯禮礼種种積积穩稳競竞筆笔節节範范築筑簡简紋纹純纯紗纱細细紹绍絲丝" +
	"結结絢绚統统綠绿維维綺绮綿绵緣缘練练縣县織织繡绣繼继續续纖纤習习翹翘聰聪聲声" +
	"肅肃舉举莊庄蓋盖薈荟藍蓝處处號号襲袭見见覺觉親亲觀观記记詠咏誼谊談谈論论謙谦" +
	"讓让貝贝貞贞賓宾賽赛贏赢躍跃輪轮轉转農农連连進进運运過过邊边銀银錫锡鐘钟鏡镜" +
	"鐵铁閣阁關关雋隽電电霧雾願愿頡颉頤颐馳驰驍骁體体鯨鲸點点嵐岚鈴铃瑪玛憲宪" +
	"琺珐綸纶網网嫺娴姍姗嬡嫒娛娱燾焘濰潍颱台熒荧瑒玚璉琏琿珲璿璇陞升" +
	"噹当佈布叢丛幾几廬庐暢畅棲栖淩凌滬沪漸渐瀋沈濛蒙燈灯爭争猶犹瓔璎甦苏盃杯禕祎" +
	"秈籼筍笋糧粮紓纾終终綜综緒绪縈萦繽缤羨羡翺翱聯联脩修莖茎葦苇薔蔷藹蔼蘊蕴" +
	"虧亏衆众裏里訊讯託托設设評评該该誌志課课諭谕諺谚謠谣識识護护讚赞負负" +
	"貢贡販贩貫贯貽贻賜赐賦赋質质購购贈赠趕赶軾轼輔辅輯辑轟轰辦办遙遥適适選选遺遗" +
	"邇迩釧钏鈕钮鉅钜鉞钺銓铨銅铜錚铮錡锜鍇锴鍊炼鎧铠鏘锵鐸铎鑄铸閑闲闆板闖闯陣阵" +
	"隊队際际險险雛雏雞鸡離离難难雜杂霽霁韜韬頂顶項项須须頓顿頗颇顯显飆飙飾饰騏骐" +
	"驥骥鬱郁鳩鸠鴿鸽鵠鹄鶯莺鸞鸾黨党齋斋龜龟"

// tradTab maps r - 0x4E00 to the simplified form of a traditional character (0: unchanged).
var tradTab = func() []rune {
	t := make([]rune, 0x9FFF-0x4E00+1)
	rs := []rune(tradSimpPairs)
	for i := 0; i+1 < len(rs); i += 2 {
		if rs[i] != rs[i+1] {
			t[rs[i]-0x4E00] = rs[i+1]
		}
	}
	return t
}()

// toSimplified returns the simplified form of r when r is a traditional character of the table.
func toSimplified(r rune) rune {
	if r < 0x4E00 || r > 0x9FFF {
		return r
	}
	if s := tradTab[r-0x4E00]; s != 0 {
		return s
	}
	return r
}

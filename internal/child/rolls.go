package child

// AssistanceKind 救助类别 is what civil affairs' own social-assistance rolls say of a family or a
// child (issue 18): the kinds of the rolls it keeps, as the rolls name them. internal/roster maps
// each to the items of the forms it stands for, 家庭困难情况 and 生活保障情况.
var AssistanceKind = newTable("救助类别", "",
	Code{"dibao", "低保", []string{"最低生活保障", "城乡低保", "城市低保", "农村低保", "低保户", "低保家庭", "低保对象"}},
	Code{"tekun", "特困", []string{"特困供养", "特困人员", "特困人员救助供养", "特困家庭", "五保", "五保户"}},
	Code{"dibao_edge", "低保边缘", []string{"低保边缘家庭", "低边", "低保边缘户"}},
	Code{"rigid_expense", "刚性支出困难", []string{"刚性支出困难家庭", "支出型困难", "支出型困难家庭"}},
	Code{"emergency", "临时救助", []string{"急难", "急难社会救助", "临时救助/急难", "临时救助（急难）", "急难型临时救助"}},
	Code{"orphan", "孤儿", []string{"孤儿基本生活保障", "集中供养孤儿", "散居孤儿"}},
	Code{"de_facto_unsupported", "事实无人抚养儿童", []string{"事实无人抚养", "事实无人抚养儿童基本生活保障"}},
	Code{"disability_subsidies", "残疾人两项补贴", []string{"两项补贴", "困难残疾人生活补贴", "重度残疾人护理补贴"}},
)

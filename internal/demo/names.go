package demo

// Surnames with rough weights from China's household registration statistics (per mille).
var surnames = []struct {
	s string
	w float64
}{
	{"王", 71}, {"李", 70}, {"张", 67}, {"刘", 53}, {"陈", 45}, {"杨", 31}, {"黄", 23}, {"赵", 22}, {"吴", 20}, {"周", 19},
	{"徐", 13}, {"孙", 12}, {"马", 12}, {"朱", 11}, {"胡", 10}, {"郭", 10}, {"何", 9}, {"高", 9}, {"林", 9}, {"罗", 8},
	{"郑", 8}, {"梁", 8}, {"谢", 6}, {"宋", 6}, {"唐", 6}, {"许", 5}, {"韩", 5}, {"冯", 5}, {"邓", 5}, {"曹", 5},
	{"彭", 5}, {"曾", 4}, {"肖", 4}, {"田", 4}, {"董", 4}, {"袁", 4}, {"潘", 4}, {"于", 4}, {"蒋", 4}, {"蔡", 4},
	{"余", 4}, {"杜", 4}, {"叶", 4}, {"程", 3}, {"苏", 3}, {"魏", 3}, {"吕", 3}, {"丁", 3}, {"任", 3}, {"沈", 3},
	{"姚", 3}, {"卢", 3}, {"姜", 3}, {"崔", 3}, {"钟", 3}, {"谭", 3}, {"陆", 3}, {"汪", 3}, {"范", 3}, {"金", 3},
	{"石", 3}, {"廖", 3}, {"贾", 3}, {"夏", 2}, {"韦", 2}, {"付", 2}, {"方", 2}, {"白", 2}, {"邹", 2}, {"孟", 2},
	{"熊", 2}, {"秦", 2}, {"邱", 2}, {"江", 2}, {"尹", 2}, {"薛", 2}, {"闫", 2}, {"段", 2}, {"雷", 2}, {"侯", 2},
	{"乔", 2}, {"康", 2}, {"郝", 2}, {"武", 2}, {"樊", 1}, {"牛", 1}, {"云", 1}, {"奇", 1}, {"包", 1}, {"乌", 1},
}

var surnameTotal = func() float64 {
	t := 0.0
	for _, s := range surnames {
		t += s.w
	}
	return t
}()

var (
	boyChars  = []rune("浩宇轩子涵博文杰俊泽睿晨天明佳豪鑫磊昊然一诺嘉铭志强伟建军辰逸皓阳航嘉乐瑞凯锦程思远")
	girlChars = []rune("欣怡梓涵雨萱诗琪佳怡可馨紫萱思彤一诺雅静梦琪晓雪婷婷慧敏悦淑芳丽娜佳琪若曦语嫣欣妍")
	// Mongolian given names as Wuhai writes them in Han characters.
	mongolBoys  = []string{"巴特尔", "额尔敦", "宝音", "朝鲁", "阿拉坦", "那日苏", "呼和", "满都拉", "哈斯", "苏和", "巴雅尔", "敖日格乐", "毕力格", "图门"}
	mongolGirls = []string{"其其格", "苏日娜", "乌日娜", "斯琴", "图雅", "萨仁", "格日勒", "娜仁", "高娃", "塔娜", "额尔登其木格", "琪琪格"}
)

func (g *Generator) surname() string {
	x := g.rng.Float64() * surnameTotal
	for _, s := range surnames {
		if x < s.w {
			return s.s
		}
		x -= s.w
	}
	return "王"
}

// givenName returns a given name; Mongolian children mostly get Mongolian names, often written
// without a surname, which is then dropped by the caller's concatenation only in part: Wuhai's
// registers show both forms.
func (g *Generator) givenName(male, mongol bool) string {
	if mongol && g.chance(0.8) {
		if male {
			return mongolBoys[g.rng.IntN(len(mongolBoys))]
		}
		return mongolGirls[g.rng.IntN(len(mongolGirls))]
	}
	chars := girlChars
	if male {
		chars = boyChars
	}
	n := 2
	if g.chance(0.2) {
		n = 1
	}
	out := make([]rune, n)
	for i := range out {
		out[i] = chars[g.rng.IntN(len(chars))]
	}
	return string(out)
}

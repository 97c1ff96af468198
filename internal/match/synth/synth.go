// Package synth generates seeded synthetic registry/roster pairs of children for testing and
// benchmarking the record linkage of package match: Chinese surnames by frequency, given names
// by generation, Mongolian and dotted minority names, families with siblings and twins, valid
// identity numbers of Wuhai and the neighbouring provinces, and the errors rosters carry
// (homophone and look-alike characters, traditional characters, transliteration variants,
// missing and mistyped identity numbers, swapped day and month …). All names are invented.
package synth

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	pinyin "github.com/mozillazg/go-pinyin"

	"guanai/internal/idcard"
	"guanai/internal/match"
)

// Config describes a data set. Zero rates are zero: start from Default.
type Config struct {
	Seed     uint64
	Registry int // left records
	Roster   int // right records
	// Overlap is the share of roster records that are registered children (true matches).
	Overlap float64
	// IDShare is the share of roster records carrying an identity number (0: none at all).
	IDShare float64
	// TwinShare is the share of families with two or more children that have twins.
	TwinShare float64
	// MongolShare is the share of Mongolian families; DotShare of families with dotted names.
	MongolShare, DotShare float64
	// ParentShare is the share of roster records giving the parents' names.
	ParentShare float64
	// Noise scales every error rate of the roster (1 = the rates documented in Default).
	Noise float64
	// WuhaiShare is the share of families whose hukou is in Wuhai.
	WuhaiShare float64
}

// Default returns the standard configuration: a registry of n children, a roster of n
// records of which 70% are registered, 90% with identity numbers, twins in a quarter of the
// multi-child families, 3.5% Mongolian families.
func Default(n int, seed uint64) Config {
	return Config{Seed: seed, Registry: n, Roster: n, Overlap: 0.7, IDShare: 0.9, TwinShare: 0.25,
		MongolShare: 0.035, DotShare: 0.004, ParentShare: 0.6, Noise: 1, WuhaiShare: 0.55}
}

// Dataset is a generated pair of files with the truth.
type Dataset struct {
	Left, Right []match.Person
	// Truth maps a right ref to the left ref of the same child (absent: not registered).
	Truth map[string]string
}

type family struct {
	surname, father, mother string
	guardian, guardianID    string
	hukou, resid            string // 6- and 9-digit codes
	mongol, dot             bool
}

type child struct {
	fam      *family
	name     string
	sex      int
	y, m, d  int
	id       string
	sibling  int // index of a sibling in the population (-1 none), for wrong-ID errors
	leftRef  string
	inLeft   bool
	familyID int
}

type gen struct {
	rng   *rand.Rand
	cfg   Config
	ids   map[string]bool
	homo  map[rune][]rune
	boyW  *weighted
	girlW *weighted
}

func (g *gen) f() float64            { return g.rng.Float64() }
func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }
func (g *gen) pick(xs []string) string {
	return xs[g.rng.IntN(len(xs))]
}
func (g *gen) draw(w *weighted) string {
	x := g.rng.Float64()
	i := sort.SearchFloat64s(w.cum, x)
	if i >= len(w.items) {
		i = len(w.items) - 1
	}
	return w.items[i]
}

// regions: Wuhai districts and townships, and origins in Inner Mongolia and neighbouring
// provinces.
var wuhai = []string{"150302", "150303", "150304"}

var origins = newWeighted(`150102:3 150105:2 150203:4 150205:2 150602:4 150621:3 150622:1 152921:4 152922:1
150802:3 150822:3 150824:1 640202:4 640205:4 640221:3 640104:2 640302:2 610802:3 610824:2 610825:2
620102:1 620502:1 620802:1 140202:1 140602:1 140902:1 130102:1 410102:1 370102:1`)

func (g *gen) homophones() {
	g.homo = map[rune][]rune{}
	by := map[string][]rune{}
	args := pinyin.NewArgs()
	seen := map[rune]bool{}
	for _, r := range commonChars {
		if seen[r] {
			continue
		}
		seen[r] = true
		p := pinyin.SinglePinyin(r, args)
		if len(p) == 0 {
			continue
		}
		by[p[0]] = append(by[p[0]], r)
	}
	for _, rs := range by {
		for _, r := range rs {
			for _, q := range rs {
				if q != r {
					g.homo[r] = append(g.homo[r], q)
				}
			}
		}
	}
}

func (g *gen) newID(region string, y, m, d, sex int) string {
	for {
		seq := g.rng.IntN(500) * 2 // sequence code: odd for boys, even for girls
		if sex == 1 {
			seq++
		}
		first := fmt.Sprintf("%s%04d%02d%02d%03d", region, y, m, d, seq)
		id := first + string(idcard.CheckDigit(first))
		if !g.ids[id] {
			g.ids[id] = true
			return id
		}
	}
}

func (g *gen) adultID(region string, y0, y1, sex int) string {
	y := y0 + g.rng.IntN(y1-y0+1)
	m := 1 + g.rng.IntN(12)
	d := 1 + g.rng.IntN(28)
	return g.newID(region, y, m, d, sex)
}

func (g *gen) newFamily() *family {
	f := &family{}
	if g.chance(g.cfg.WuhaiShare) {
		f.hukou = g.pick(wuhai)
	} else {
		f.hukou = g.draw(origins)
	}
	if g.chance(0.93) {
		f.resid = fmt.Sprintf("%s%03d", g.pick(wuhai), 1+g.rng.IntN(8))
	} else {
		f.resid = f.hukou + fmt.Sprintf("%03d", 1+g.rng.IntN(8))
	}
	switch x := g.f(); {
	case x < g.cfg.MongolShare:
		f.mongol = true
		if g.chance(0.5) {
			f.surname = g.draw(mongolSurnames)
		}
		f.father = f.surname + g.pick(mongolMale)
		f.mother = g.pick(mongolFemale)
		if g.chance(0.3) {
			f.mother = g.draw(mongolSurnames) + f.mother
		}
	case x < g.cfg.MongolShare+g.cfg.DotShare:
		f.dot = true
		f.father = g.pick(dotNames)
		f.mother = g.pick(dotNames)
	default:
		f.surname = g.draw(surnames)
		f.father = f.surname + g.adultName(1)
		f.mother = g.draw(surnames) + g.adultName(2)
	}
	switch x := g.f(); {
	case x < 0.55:
		f.guardian = f.father
		f.guardianID = g.adultID(f.hukou, 1975, 1995, 1)
	case x < 0.85:
		f.guardian = f.mother
		f.guardianID = g.adultID(f.hukou, 1975, 1995, 2)
	default:
		sur := f.surname
		if sur == "" {
			sur = g.draw(mongolSurnames)
		}
		if g.chance(0.5) {
			f.guardian = sur + g.adultName(1)
			f.guardianID = g.adultID(f.hukou, 1950, 1968, 1)
		} else {
			f.guardian = g.draw(surnames) + g.adultName(2)
			f.guardianID = g.adultID(f.hukou, 1950, 1968, 2)
		}
	}
	return f
}

// adultName draws a given name of the parents' generation: a common one, or composed.
func (g *gen) adultName(sex int) string {
	list, chars := manAdult, manChars
	if sex == 2 {
		list, chars = womanAdult, womanChars
	}
	switch x := g.f(); {
	case x < 0.3:
		return g.pick(list)
	case x < 0.45:
		return g.pick(chars)
	}
	return g.pick(chars) + g.pick(chars)
}

func (g *gen) givenName(sex int) string {
	if sex == 1 {
		if g.chance(0.1) {
			return g.pick(popularBoy)
		}
		if g.chance(0.15) {
			return g.draw(g.boyW)
		}
		return g.draw(g.boyW) + g.draw(g.boyW)
	}
	if g.chance(0.1) {
		return g.pick(popularGirl)
	}
	if g.chance(0.15) {
		return g.draw(g.girlW)
	}
	return g.draw(g.girlW) + g.draw(g.girlW)
}

func (g *gen) childName(f *family, sex int, twinOf string) string {
	if f.dot {
		for {
			n := g.pick(dotNames)
			if n != twinOf {
				return n
			}
		}
	}
	if f.mongol {
		for {
			var n string
			if sex == 1 {
				n = g.pick(mongolMale)
			} else {
				n = g.pick(mongolFemale)
			}
			if f.surname != "" {
				n = f.surname + n
			}
			if n != twinOf {
				return n
			}
		}
	}
	for {
		given := g.givenName(sex)
		if twinOf != "" {
			tg := []rune(strings.TrimPrefix(twinOf, f.surname))
			gr := []rune(given)
			switch x := g.f(); {
			case x < 0.4 && len(tg) == 2 && len(gr) == 2:
				given = string(tg[0]) + string(gr[1]) // shared generation character
			case x < 0.6 && len(tg) == 2 && len(gr) == 2:
				given = string(gr[0]) + string(tg[1])
			}
		}
		n := f.surname + given
		if n != twinOf {
			return n
		}
	}
}

func (g *gen) children(f *family, famID int) []child {
	k := 1
	switch x := g.f(); {
	case x < 0.15:
		k = 3
	case x < 0.5:
		k = 2
	}
	twins := k >= 2 && g.chance(g.cfg.TwinShare)
	out := make([]child, 0, k)
	y := 2007 + g.rng.IntN(17)
	for i := 0; i < k; i++ {
		c := child{fam: f, sex: 1 + g.rng.IntN(2), familyID: famID, sibling: -1}
		if i == 1 && twins {
			c.y, c.m, c.d = out[0].y, out[0].m, out[0].d
			c.name = g.childName(f, c.sex, out[0].name)
		} else {
			if i > 0 {
				y = out[i-1].y + 1 + g.rng.IntN(5)
				if y > 2024 {
					break
				}
			}
			c.y, c.m, c.d = y, 1+g.rng.IntN(12), 1+g.rng.IntN(28)
			if g.chance(0.1) {
				c.d = 29 + g.rng.IntN(2)
				if c.m == 2 {
					c.d = 28
				}
			}
			c.name = g.childName(f, c.sex, "")
			for _, o := range out {
				if o.name == c.name { // parents do not reuse a name
					c.name = g.childName(f, c.sex, o.name)
				}
			}
		}
		c.id = g.newID(f.hukou, c.y, c.m, c.d, c.sex)
		out = append(out, c)
	}
	return out
}

// Generate builds a data set. The same Config gives the same data.
func Generate(cfg Config) *Dataset {
	g := &gen{rng: rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15)), cfg: cfg, ids: map[string]bool{}}
	g.homophones()
	g.boyW = zipf(boyChars, 0.7)
	g.girlW = zipf(girlChars, 0.7)

	target := int(float64(cfg.Registry)/0.85) + 1
	var pop []child
	famID := 0
	addFamily := func() {
		f := g.newFamily()
		kids := g.children(f, famID)
		famID++
		base := len(pop)
		for i := range kids {
			if len(kids) > 1 {
				kids[i].sibling = base + (i+1)%len(kids)
			}
		}
		pop = append(pop, kids...)
	}
	for len(pop) < target {
		addFamily()
	}
	perm := g.rng.Perm(len(pop))
	reg := perm[:min(cfg.Registry, len(perm))]
	unreg := perm[len(reg):]
	ds := &Dataset{Truth: map[string]string{}}
	for i, pi := range reg {
		c := &pop[pi]
		c.inLeft = true
		c.leftRef = fmt.Sprintf("L%07d", i+1)
		ds.Left = append(ds.Left, g.leftPerson(c))
	}
	nMatch := int(float64(cfg.Roster)*cfg.Overlap + 0.5)
	nMatch = min(nMatch, len(reg))
	var roster []int
	for _, i := range g.rng.Perm(len(reg))[:nMatch] {
		roster = append(roster, reg[i])
	}
	for _, pi := range unreg {
		if len(roster) == cfg.Roster {
			break
		}
		roster = append(roster, pi)
	}
	for len(roster) < cfg.Roster {
		before := len(pop)
		addFamily()
		for pi := before; pi < len(pop) && len(roster) < cfg.Roster; pi++ {
			roster = append(roster, pi)
		}
	}
	g.rng.Shuffle(len(roster), func(i, j int) { roster[i], roster[j] = roster[j], roster[i] })
	for j, pi := range roster {
		c := &pop[pi]
		ref := fmt.Sprintf("R%07d", j+1)
		var wrongID string
		if c.sibling >= 0 {
			wrongID = pop[c.sibling].id
		}
		ds.Right = append(ds.Right, g.rightPerson(c, ref, wrongID))
		if c.inLeft {
			ds.Truth[ref] = c.leftRef
		}
	}
	return ds
}

// ---- errors -------------------------------------------------------------------------------

func (g *gen) fmtDate(y, m, d int) string {
	switch x := g.f(); {
	case x < 0.6:
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	case x < 0.75:
		return fmt.Sprintf("%d/%d/%d", y, m, d)
	case x < 0.9:
		return fmt.Sprintf("%04d%02d%02d", y, m, d)
	case x < 0.97:
		return fmt.Sprintf("%d年%d月%d日", y, m, d)
	default:
		return fmt.Sprintf("%d-%d-%d", y, m, d)
	}
}

func (g *gen) fmtSex(sex int) string {
	switch x := g.f(); {
	case x < 0.6:
		return strconv.Itoa(sex)
	case x < 0.9:
		return []string{"", "男", "女"}[sex]
	default:
		return []string{"", "M", "F"}[sex]
	}
}

func (g *gen) fmtID(id string) string {
	switch x := g.f(); {
	case x < 0.03 && strings.HasSuffix(id, "X"):
		return strings.ToLower(id)
	case x < 0.04:
		return id[:6] + " " + id[6:14] + " " + id[14:]
	case x < 0.05:
		var b strings.Builder
		for _, r := range id {
			if r >= '0' && r <= '9' {
				r = r - '0' + '０'
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	return id
}

// idTypo changes one digit (2/3) or exchanges two adjacent different digits (1/3).
func (g *gen) idTypo(id string) string {
	b := []byte(id)
	for {
		if g.chance(0.67) {
			i := g.rng.IntN(17)
			c := byte('0' + g.rng.IntN(10))
			if c == b[i] {
				continue
			}
			b[i] = c
		} else {
			i := g.rng.IntN(16)
			if b[i] == b[i+1] {
				continue
			}
			b[i], b[i+1] = b[i+1], b[i]
		}
		return string(b)
	}
}

func (g *gen) fmtRegion(code string) string {
	switch x := g.f(); {
	case x < 0.2:
		return (code + "000000")[:12]
	case x < 0.25 && len(code) == 9:
		return code[:6]
	}
	return code
}

// homophoneTypo replaces one character at or after position from with a homophone.
func (g *gen) homophoneTypo(name string, from int) string {
	rs := []rune(name)
	var cands []int
	for i := from; i < len(rs); i++ {
		if len(g.homo[rs[i]]) > 0 {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		return name
	}
	i := cands[g.rng.IntN(len(cands))]
	alts := g.homo[rs[i]]
	rs[i] = alts[g.rng.IntN(len(alts))]
	return string(rs)
}

func (g *gen) lookAlikeTypo(name string, from int) string {
	rs := []rune(name)
	type cand struct {
		i int
		r rune
	}
	var cands []cand
	for i := from; i < len(rs); i++ {
		for _, p := range lookAlike {
			a, b := []rune(p[0])[0], []rune(p[1])[0]
			if rs[i] == a {
				cands = append(cands, cand{i, b})
			} else if rs[i] == b {
				cands = append(cands, cand{i, a})
			}
		}
	}
	if len(cands) == 0 {
		return g.homophoneTypo(name, from)
	}
	c := cands[g.rng.IntN(len(cands))]
	rs[c.i] = c.r
	return string(rs)
}

func traditional(name string) string {
	rs := []rune(name)
	for i, r := range rs {
		if t, ok := simpTrad[r]; ok {
			rs[i] = t
		}
	}
	return string(rs)
}

func (g *gen) mongolVariant(name string) string {
	for _, k := range g.rng.Perm(len(mongolVariants)) {
		v := mongolVariants[k]
		a, b := v[0], v[1]
		if g.chance(0.5) {
			a, b = b, a
		}
		rs := []rune(name)
		for i := 1; i < len(rs); i++ { // not the first character
			if string(rs[i]) == a {
				rs[i] = []rune(b)[0]
				return string(rs)
			}
		}
	}
	return name
}

func surLen(name string, f *family) int { return len([]rune(f.surname)) }

// nameNoise applies the roster's name errors at rate scale.
func (g *gen) nameNoise(name string, f *family, scale float64) string {
	from := surLen(name, f)
	if from == 0 {
		from = 1
	}
	switch x := g.f() / scale; {
	case x < 0.04:
		name = g.homophoneTypo(name, from)
	case x < 0.045:
		name = g.homophoneTypo(name, 0)
	case x < 0.06:
		name = g.lookAlikeTypo(name, from)
	case x < 0.08:
		name = traditional(name)
	case x < 0.09:
		rs := []rune(name)
		i := 1 + g.rng.IntN(len(rs)-1)
		sp := " "
		if g.chance(0.5) {
			sp = "\u3000"
		}
		name = string(rs[:i]) + sp + string(rs[i:])
	case x < 0.093:
		rs := []rune(name) // a character replaced by an unrelated one
		rs[len(rs)-1] = []rune(commonChars)[g.rng.IntN(300)]
		name = string(rs)
	case x < 0.096:
		rs := []rune(name)
		if len(rs)-from >= 2 {
			name = string(rs[:len(rs)-1])
		}
	}
	if f.mongol && g.chance(0.4) {
		name = g.mongolVariant(name)
	}
	if f.dot && g.chance(0.5) {
		name = strings.ReplaceAll(name, "·", []string{".", "•", "．", "・", ""}[g.rng.IntN(5)])
	}
	return name
}

func (g *gen) leftPerson(c *child) match.Person {
	f := c.fam
	p := match.Person{Ref: c.leftRef, Name: c.name, Sex: strconv.Itoa(c.sex),
		BirthDate:   fmt.Sprintf("%04d-%02d-%02d", c.y, c.m, c.d),
		HukouRegion: f.hukou, ResidenceRegion: f.resid}
	if g.chance(0.98) {
		p.IDNumber = c.id
		if g.chance(0.005) {
			p.IDNumber = g.idTypo(c.id)
		}
	}
	if g.chance(0.01) {
		p.Name = g.homophoneTypo(p.Name, max(1, surLen(p.Name, f)))
	}
	if g.chance(0.9) {
		p.FatherName = f.father
	}
	if g.chance(0.92) {
		p.MotherName = f.mother
	}
	if g.chance(0.8) {
		p.GuardianName = f.guardian
		if g.chance(0.8) {
			p.GuardianID = f.guardianID
		}
	}
	if g.chance(0.02) {
		p.HukouRegion = ""
	}
	if g.chance(0.05) {
		p.ResidenceRegion = ""
	}
	return p
}

func (g *gen) rightPerson(c *child, ref, wrongID string) match.Person {
	f := c.fam
	s := g.cfg.Noise
	p := match.Person{Ref: ref}
	p.Name = g.nameNoise(c.name, f, s)
	if !g.chance(0.05 * s) {
		sex := c.sex
		if g.chance(0.003 * s) {
			sex = 3 - sex
		}
		p.Sex = g.fmtSex(sex)
	}
	y, m, d := c.y, c.m, c.d
	switch x := g.f() / s; {
	case x < 0.01 && d <= 12 && d != m:
		m, d = d, m
	case x < 0.03:
		switch g.rng.IntN(3) {
		case 0:
			y += 1 - 2*g.rng.IntN(2)
		case 1:
			m = 1 + (m+g.rng.IntN(11))%12
		default:
			d = 1 + (d+g.rng.IntN(27))%28
		}
	}
	if !g.chance(0.02 * s) {
		p.BirthDate = g.fmtDate(y, m, d)
	}
	if g.chance(g.cfg.IDShare) {
		id := c.id
		switch x := g.f() / s; {
		case x < 0.03:
			id = g.idTypo(id)
		case x < 0.031 && wrongID != "":
			id = wrongID
		}
		p.IDNumber = g.fmtID(id)
	}
	if g.chance(0.7) {
		p.HukouRegion = g.fmtRegion(f.hukou)
	}
	if g.chance(0.85) {
		r := f.resid
		if g.chance(0.05) {
			r = fmt.Sprintf("%s%03d", g.pick(wuhai), 1+g.rng.IntN(8))
		}
		p.ResidenceRegion = g.fmtRegion(r)
	}
	if g.chance(g.cfg.ParentShare) {
		both := g.chance(0.8)
		if both || g.chance(0.5) {
			p.FatherName = f.father
			if g.chance(0.03 * s) {
				p.FatherName = g.homophoneTypo(p.FatherName, 1)
			}
		}
		if both || p.FatherName == "" {
			p.MotherName = f.mother
			if g.chance(0.03 * s) {
				p.MotherName = g.homophoneTypo(p.MotherName, 1)
			}
		}
	}
	if g.chance(0.5) {
		p.GuardianName = f.guardian
		if g.chance(0.2) { // another department records the other parent as guardian
			if f.guardian == f.father {
				p.GuardianName = f.mother
			} else {
				p.GuardianName = f.father
			}
		} else if g.chance(0.4) {
			p.GuardianID = f.guardianID
			if g.chance(0.02 * s) {
				p.GuardianID = g.idTypo(f.guardianID)
			}
		}
	}
	return p
}

// ---- output and evaluation ----------------------------------------------------------------

var header = []string{"ref", "name", "sex", "birth_date", "id_number", "hukou_region",
	"residence_region", "father_name", "mother_name", "guardian_name", "guardian_id"}

// WriteCSV writes people as a CSV file with the standard header.
func WriteCSV(w io.Writer, people []match.Person) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	cw.Write(header)
	for _, p := range people {
		cw.Write([]string{p.Ref, p.Name, p.Sex, p.BirthDate, p.IDNumber, p.HukouRegion,
			p.ResidenceRegion, p.FatherName, p.MotherName, p.GuardianName, p.GuardianID})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// Quality is pairwise precision and recall of links against the truth.
type Quality struct {
	TP, FP, FN            int
	Precision, Recall, F1 float64
}

func (q *Quality) finish() {
	if q.TP+q.FP > 0 {
		q.Precision = float64(q.TP) / float64(q.TP+q.FP)
	} else {
		q.Precision = 1
	}
	if q.TP+q.FN > 0 {
		q.Recall = float64(q.TP) / float64(q.TP+q.FN)
	} else {
		q.Recall = 1
	}
	if q.Precision+q.Recall > 0 {
		q.F1 = 2 * q.Precision * q.Recall / (q.Precision + q.Recall)
	}
}

// String formats the figures on one line.
func (q Quality) String() string {
	return fmt.Sprintf("precision %.5f recall %.5f F1 %.5f (TP %d FP %d FN %d)", q.Precision, q.Recall, q.F1, q.TP, q.FP, q.FN)
}

// Link is a predicted pair for Evaluate.
type Link struct{ Left, Right string }

// Evaluate scores predicted links against the truth: over all roster records, and over the
// roster records that carry no identity number.
func (d *Dataset) Evaluate(links []Link) (all, noID Quality) {
	noIDRef := map[string]bool{}
	for _, p := range d.Right {
		if strings.TrimSpace(p.IDNumber) == "" {
			noIDRef[p.Ref] = true
		}
	}
	predicted := make(map[string]string, len(links))
	for _, l := range links {
		predicted[l.Right] = l.Left
		ok := d.Truth[l.Right] == l.Left
		for _, q := range []*Quality{&all, &noID} {
			if q == &noID && !noIDRef[l.Right] {
				continue
			}
			if ok {
				q.TP++
			} else {
				q.FP++
			}
		}
	}
	for r, l := range d.Truth {
		if predicted[r] != l {
			all.FN++
			if noIDRef[r] {
				noID.FN++
			}
		}
	}
	all.finish()
	noID.finish()
	return all, noID
}

// EvaluateMatches is Evaluate for the links (Decision "link") among ms.
func (d *Dataset) EvaluateMatches(ms []match.Match) (all, noID Quality) {
	var links []Link
	for _, m := range ms {
		if m.Decision == match.DecisionLink {
			links = append(links, Link{m.LeftRef, m.RightRef})
		}
	}
	return d.Evaluate(links)
}

package match

// defaultParams are the built-in parameters, used where the data cannot anchor an estimate (a
// roster without identity numbers has no pairs sharing a number to learn m from; a registry
// without parents' names has no sibling groups to learn s from) and as the prior every
// estimate is shrunk towards. They were learned on synthetic ID-bearing data (package synth,
// 100,000 × 100,000, seed 99) by TestLearnDefaults:
//
//	GUANAI_LEARN=1 go test ./internal/match -run TestLearnDefaults -v
//
// and pasted here. Before use, init raises the rare error levels of m to conservative floors
// (see floorM): real rosters make more mistakes than the generator, and a guardian or a
// residence legitimately differs between departments.
var defaultParams = Params{
	M: [NumFields][MaxLevels]float64{
		{1, 0.9644, 0.03489, 0.0007407, 0, 0, 0},                           // id
		{1, 0.9992, 0.0007074, 2.695e-05, 6.737e-06, 6.737e-06, 2.695e-05}, // surname
		{1, 0.9223, 0.0667, 0.001789, 0.005266, 0.002491, 0.001471},        // given_name
		{1, 0.9695, 0.003721, 0.0262, 0.0005974, 0, 0},                     // birth_date
		{1, 0.9962, 0.003783, 0, 0, 0, 0},                                  // sex
		{1, 0.00146, 0.9981, 0.0002434, 9.735e-05, 0.000146, 0},            // hukou_region
		{1, 0.9022, 0.06466, 0.03134, 0.0008932, 0.0009347, 0},             // residence_region
		{1, 0.9727, 0.02703, 0.0001028, 3.426e-05, 3.426e-05, 0.0001028},   // father_name
		{1, 0.9779, 0.02182, 0.0001004, 3.347e-05, 3.347e-05, 0.0001004},   // mother_name
		{1, 0.8013, 0.0002925, 0.0001253, 0.003175, 0.0005014, 0.1946},     // guardian_name
		{1, 0.9809, 0.01876, 0.000318, 0, 0, 0},                            // guardian_id
	},
	U: [NumFields][MaxLevels]float64{
		{1, 1e-09, 1e-09, 1, 0, 0, 0},                                    // id
		{1, 0.03087, 0.004838, 0.003507, 5.024e-06, 7.536e-05, 0.9607},   // surname
		{1, 0.0008713, 0.001074, 0.0002327, 0.04951, 0.01526, 0.9331},    // given_name
		{1, 0.0001258, 5.966e-05, 0.009451, 0.9904, 0, 0},                // birth_date
		{1, 0.5029, 0.4971, 0, 0, 0, 0},                                  // sex
		{1, 0.0001443, 0.1119, 0.2105, 0.2909, 0.3866, 0},                // hukou_region
		{1, 0.03681, 0.2757, 0.6213, 0.03303, 0.0331, 0},                 // residence_region
		{1, 0.0003434, 0.0001273, 8.079e-05, 0.01933, 0.0009493, 0.9792}, // father_name
		{1, 0.0004626, 0.0001339, 5.905e-05, 0.02164, 0.001909, 0.9758},  // mother_name
		{1, 0.0002572, 6.858e-05, 4.898e-05, 0.01326, 0.0009552, 0.9854}, // guardian_name
		{1, 1e-09, 1e-09, 1, 0, 0, 0},                                    // guardian_id
	},
	S: [NumFields][MaxLevels]float64{
		{1, 0.000998, 0.000998, 0.998, 0, 0, 0},                            // id
		{1, 0.9992, 0.0007074, 2.695e-05, 6.737e-06, 6.737e-06, 2.695e-05}, // surname
		{1, 0.0003753, 0.001811, 0.0006934, 0.1227, 0.01672, 0.8577},       // given_name
		{1, 0.1827, 1.628e-05, 0.002446, 0.8148, 0, 0},                     // birth_date
		{1, 0.5013, 0.4987, 0, 0, 0, 0},                                    // sex
		{1, 0.00146, 0.9981, 0.0002434, 9.735e-05, 0.000146, 0},            // hukou_region
		{1, 0.9022, 0.06466, 0.03134, 0.0008932, 0.0009347, 0},             // residence_region
		{1, 0.9727, 0.02703, 0.0001028, 3.426e-05, 3.426e-05, 0.0001028},   // father_name
		{1, 0.9779, 0.02182, 0.0001004, 3.347e-05, 3.347e-05, 0.0001004},   // mother_name
		{1, 0.8013, 0.0002925, 0.0001253, 0.003175, 0.0005014, 0.1946},     // guardian_name
		{1, 0.9809, 0.01876, 0.000318, 0, 0, 0},                            // guardian_id
	},
	Twin:      [MaxLevels]float64{1, 8.621e-05, 0.005819, 0.002284, 0.4407, 0.02134, 0.5297},
	MatchRate: 0.7012, SiblingRate: 0.5875, Source: "built-in defaults (learned on synthetic data, seed 99)",
}

// mFloor is the least m of any non-exact level; mDisagreeFloor raises the disagreement level
// of the fields that differ between departments for good reasons.
const mFloor = 5e-4

var mDisagreeFloor = map[int]float64{
	fGuardian: 0.1, fGuardianID: 0.05, fResid: 0.02, fHukou: 0.01, fSurname: 0.002, fSex: 0.003,
}

// floorM raises the rare levels of M to the floors and renormalises.
func (p *Params) floorM() {
	for f := 0; f < NumFields; f++ {
		n := numLevels(f)
		for l := 2; l < n; l++ {
			p.M[f][l] = max(p.M[f][l], mFloor)
		}
		if fl, ok := mDisagreeFloor[f]; ok {
			p.M[f][n-1] = max(p.M[f][n-1], fl)
		}
	}
}

func init() {
	defaultParams.floorM()
	defaultParams.normalizeRows()
}

// DefaultParams returns a copy of the built-in parameters.
func DefaultParams() Params { return defaultParams }

package web

import (
	"bytes"
	"context"
	"encoding/json"
)

// maskedPaths are the items MaskRecord hides, as JSON paths of the record.
var maskedPaths = func() [][]string {
	paths := [][]string{{"name"}, {"id_number"}, {"disability_certificate_no"}, {"hukou_address", "detail"}, {"residence_address", "detail"}}
	for _, p := range []string{"father", "mother", "other_guardian", "caregiver"} {
		paths = append(paths, []string{p, "name"}, []string{p, "id_number"}, []string{p, "phone"},
			[]string{p, "hukou_address", "detail"}, []string{p, "residence_address", "detail"})
	}
	return paths
}()

// restoreMasked lets the edit form send back the record as it was shown: every personal item
// still equal to its masked display ("王**", "150302********123X") is replaced by the stored
// value, so that editing the school does not require revealing, or retyping, the ID number. A
// value the user changed is taken as typed. Records the principal cannot see are not found.
func (s *Server) restoreMasked(ctx context.Context, uid string, body []byte) ([]byte, error) {
	if !bytes.Contains(body, []byte("*")) {
		return body, nil
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		// decodeRecord reports it in Chinese.
		return body, nil
	}
	c, err := s.Children.Get(ctx, uid)
	if err != nil {
		return nil, err
	}
	// MaskRecord masks the parents in place (they are pointers): take the plain values first.
	plain := asMap(c.Record)
	maskRecordFor(ctx, &c.Record)
	shown := asMap(c.Record)
	changed := false
	for _, p := range maskedPaths {
		got, ok := lookup(in, p)
		if !ok {
			continue
		}
		if want, ok := lookup(shown, p); ok && got == want {
			if v, ok := lookup(plain, p); ok {
				set(in, p, v)
				changed = true
			}
		}
	}
	if !changed {
		return body, nil
	}
	return json.Marshal(in)
}

func asMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func lookup(m map[string]any, path []string) (string, bool) {
	var cur any = m
	for _, k := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		cur = mm[k]
	}
	s, ok := cur.(string)
	return s, ok && s != ""
}

func set(m map[string]any, path []string, v string) {
	for _, k := range path[:len(path)-1] {
		m = m[k].(map[string]any)
	}
	m[path[len(path)-1]] = v
}

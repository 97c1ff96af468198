package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"guanai/internal/child"
)

// Changes between versions are computed on the record's leaves: every scalar item by its JSON
// path ("name", "father.phone", "hukou_address.region_code") and every set as a whole ("health").
// Two writers who change different leaves can be merged; the same leaf changed to different
// values is a conflict.

// leaves maps a JSON path to the canonical JSON of its value. Absent items have no entry.
type leaves map[string]json.RawMessage

// change is one leaf that differs between two versions; Old or New is empty when the item was
// absent on that side.
type change struct {
	Path string          `json:"path"`
	Old  json.RawMessage `json:"old,omitempty"`
	New  json.RawMessage `json:"new,omitempty"`
}

// flatten returns the leaves of r. It walks the record by reflection, following the JSON tags
// and the omission rules of encoding/json (empty strings, zero dates and nil pointers and
// sets are absent; an empty set is present), so that its result equals flattenJSON of the
// record's canonical JSON — a test holds it to that — at a fraction of the cost.
func flatten(r *child.Record) (leaves, error) {
	out := make(leaves, 64)
	if err := flattenValue(out, "", reflect.ValueOf(r).Elem()); err != nil {
		return nil, err
	}
	return out, nil
}

// structField is a field of a record type as encoding/json sees it.
type structField struct {
	index int
	name  string
}

var fieldCache sync.Map // reflect.Type → []structField

func fieldsOf(t reflect.Type) []structField {
	if v, ok := fieldCache.Load(t); ok {
		return v.([]structField)
	}
	var fs []structField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fs = append(fs, structField{index: i, name: name})
	}
	fieldCache.Store(t, fs)
	return fs
}

var (
	dateType      = reflect.TypeOf(child.Date(0))
	marshalerType = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
)

func flattenValue(out leaves, prefix string, v reflect.Value) error {
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		p := f.name
		if prefix != "" {
			p = prefix + "." + f.name
		}
		if err := flattenField(out, p, fv); err != nil {
			return err
		}
	}
	return nil
}

func flattenField(out leaves, p string, fv reflect.Value) error {
	switch {
	case fv.Type() == dateType:
		if d := child.Date(fv.Int()); d != 0 {
			out[p] = []byte(`"` + d.String() + `"`)
		}
		return nil
	case fv.Type().Implements(marshalerType):
		return fmt.Errorf("record item %s: type %s has its own JSON form; teach flatten about it", p, fv.Type())
	}
	switch fv.Kind() {
	case reflect.String:
		if s := fv.String(); s != "" {
			out[p] = appendJSONString(nil, s)
		}
	case reflect.Bool:
		out[p] = strconv.AppendBool(nil, fv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n := fv.Int(); n != 0 {
			out[p] = strconv.AppendInt(nil, n, 10)
		}
	case reflect.Pointer:
		if fv.IsNil() {
			return nil
		}
		e := fv.Elem()
		if e.Kind() == reflect.Struct {
			return flattenValue(out, p, e)
		}
		return flattenField(out, p, e)
	case reflect.Slice:
		if fv.IsNil() {
			return nil
		}
		if fv.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("record item %s: a set of %s", p, fv.Type().Elem())
		}
		strs := make([]string, fv.Len())
		for i := range strs {
			strs[i] = fv.Index(i).String()
		}
		sort.Strings(strs)
		b := []byte{'['}
		for i, s := range strs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		out[p] = append(b, ']')
	case reflect.Struct:
		return flattenValue(out, p, fv)
	default:
		return fmt.Errorf("record item %s: unexpected %s", p, fv.Kind())
	}
	return nil
}

// appendJSONString appends s as encoding/json writes it (HTML-safe escaping included), so that
// flatten and flattenJSON agree byte for byte.
func appendJSONString(b []byte, s string) []byte {
	plain := true
	high := false
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
		high = high || c >= 0x80
	}
	if !plain || high && !plainUTF8(s) {
		q, _ := json.Marshal(s)
		return append(b, q...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainUTF8 reports whether s is valid UTF-8 without U+2028 and U+2029, which encoding/json
// escapes.
func plainUTF8(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, '\u2028') && !strings.ContainsRune(s, '\u2029')
}

// flattenJSON returns the leaves of a record's JSON; flatten must agree with it.
func flattenJSON(b []byte) (leaves, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	out := make(leaves, 48)
	if err := flattenInto(out, "", m); err != nil {
		return nil, err
	}
	return out, nil
}

func flattenInto(out leaves, prefix string, m map[string]any) error {
	for k, v := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		switch x := v.(type) {
		case nil:
		case map[string]any:
			if err := flattenInto(out, p, x); err != nil {
				return err
			}
		case []any:
			// A set: order does not matter, so compare it sorted.
			strs := make([]string, 0, len(x))
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("record item %s: a set holds %T", p, e)
				}
				strs = append(strs, s)
			}
			sort.Strings(strs)
			b, _ := json.Marshal(strs)
			out[p] = b
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return fmt.Errorf("record item %s: %w", p, err)
			}
			out[p] = b
		}
	}
	return nil
}

// diffLeaves returns the leaves that differ from a to b, sorted by path.
func diffLeaves(a, b leaves) []change {
	var out []change
	for p, av := range a {
		bv, ok := b[p]
		if !ok {
			out = append(out, change{Path: p, Old: av})
		} else if !bytes.Equal(av, bv) {
			out = append(out, change{Path: p, Old: av, New: bv})
		}
	}
	for p, bv := range b {
		if _, ok := a[p]; !ok {
			out = append(out, change{Path: p, New: bv})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// apply returns base with the changes applied (New empty = remove).
func apply(base leaves, cs []change) leaves {
	out := make(leaves, len(base)+len(cs))
	for p, v := range base {
		out[p] = v
	}
	for _, c := range cs {
		if len(c.New) == 0 {
			delete(out, c.Path)
		} else {
			out[c.Path] = c.New
		}
	}
	return out
}

// overlay returns base with every leaf of top set: what an import row supplies replaces the stored
// value, what it leaves empty keeps the stored value. A row never erases an item.
func overlay(base, top leaves) leaves {
	out := make(leaves, len(base)+len(top))
	for p, v := range base {
		out[p] = v
	}
	for p, v := range top {
		out[p] = v
	}
	return out
}

// record rebuilds a record from its leaves.
func (l leaves) record() (child.Record, error) {
	root := make(map[string]any, 48)
	paths := make([]string, 0, len(l))
	for p := range l {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		parts := strings.Split(p, ".")
		m := root
		for _, k := range parts[:len(parts)-1] {
			sub, ok := m[k].(map[string]any)
			if !ok {
				sub = make(map[string]any, 8)
				m[k] = sub
			}
			m = sub
		}
		m[parts[len(parts)-1]] = l[p]
	}
	b, err := json.Marshal(root)
	if err != nil {
		return child.Record{}, fmt.Errorf("rebuild record: %w", err)
	}
	var r child.Record
	if err := json.Unmarshal(b, &r); err != nil {
		return child.Record{}, fmt.Errorf("rebuild record: %w", err)
	}
	return r, nil
}

// mergeChanges merges the changes of a writer who started from base (mine: base → theirs-new)
// into the current record (theirs: base → current). It returns the merged leaves, or the paths
// both changed to different values.
func mergeChanges(current leaves, theirs, mine []change) (leaves, []string) {
	changedByThem := make(map[string]change, len(theirs))
	for _, c := range theirs {
		changedByThem[c.Path] = c
	}
	var conflicts []string
	for _, c := range mine {
		if t, ok := changedByThem[c.Path]; ok && !bytes.Equal(t.New, c.New) {
			conflicts = append(conflicts, c.Path)
		}
	}
	if len(conflicts) > 0 {
		return nil, conflicts
	}
	return apply(current, mine), nil
}

// changedPaths lists the paths of changes.
func changedPaths(cs []change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Path
	}
	return out
}

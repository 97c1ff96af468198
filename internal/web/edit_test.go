package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestEditMaskedRecord sends back the record as GET showed it (masked) with one item changed:
// the masked items keep their stored values, a changed one is taken as typed.
func TestEditMaskedRecord(t *testing.T) {
	h := newStoreServer(t)
	status, out := call(t, h, "POST", "/api/v1/children", migrantJSON)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, out)
	}
	uid := out["uid"].(string)
	reveal := func(field string) string {
		t.Helper()
		status, out := call(t, h, "POST", "/api/v1/children/"+uid+"/reveal", `{"field":"`+field+`","purpose":"核实身份"}`)
		if status != 200 {
			t.Fatalf("reveal %s: %d %v", field, status, out)
		}
		return out["value"].(string)
	}
	put := func(rec map[string]any, version float64) (int, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(rec)
		return call(t, h, "PUT", "/api/v1/children/"+uid+"?version="+strconv.Itoa(int(version)), string(b))
	}

	// Change the school, keep everything else as shown.
	rec := out["record"].(map[string]any)
	rec["school_name"] = "乌海市第二十一中学"
	status, out = put(rec, out["version"].(float64))
	if status != http.StatusOK {
		t.Fatalf("update with masked items: %d %v", status, out)
	}
	tests := []struct{ field, want string }{
		{"id_number", "150302201503101237"},
		{"father.phone", "13812345678"},
		{"residence_address.detail", "清泉小区3号楼"},
	}
	for _, tt := range tests {
		if got := reveal(tt.field); got != tt.want {
			t.Errorf("%s after edit: got %q, want %q", tt.field, got, tt.want)
		}
	}
	if got := out["record"].(map[string]any)["school_name"]; got != "乌海市第二十一中学" {
		t.Errorf("school_name: got %v", got)
	}

	// A phone typed anew replaces the stored one; a value that is neither the masked display nor
	// valid is refused, not restored.
	rec = out["record"].(map[string]any)
	rec["father"].(map[string]any)["phone"] = "13900001111"
	status, out = put(rec, out["version"].(float64))
	if status != http.StatusOK {
		t.Fatalf("update with a new phone: %d %v", status, out)
	}
	if got := reveal("father.phone"); got != "13900001111" {
		t.Errorf("father.phone after change: got %q", got)
	}
	rec = out["record"].(map[string]any)
	rec["id_number"] = "150302****0000"
	status, out = put(rec, out["version"].(float64))
	if status != http.StatusUnprocessableEntity || !strings.Contains(jsonText(out), "id_number") {
		t.Errorf("a mistyped masked ID: got %d %v, want 422 on id_number", status, out)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

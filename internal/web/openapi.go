package web

import (
	_ "embed"
	"net/http"
)

// openapiDoc describes the API; a test checks that every route is in it.
//
//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openapiDoc)
}

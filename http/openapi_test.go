package http

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/visagehq/visage"
)

// oaTimeoutCode is the one code writeError gives outside the status map: a
// request past its deadline answers 503.
const oaTimeoutCode visage.Code = "TIMEOUT"

// The security schemes of openapi.json, by the kind of route that uses
// them: an app's private key (bearer or X-API-Key), the admin token, or
// nothing.
var (
	oaAppSecurity   = []string{"appKey", "appKeyHeader"}
	oaAdminSecurity = []string{"adminToken"}
)

// oaRouteSecurity is the security a route of routeTable must be documented
// with, from the guard it is served behind.
func oaRouteSecurity(rt route) []string {
	switch {
	case rt.app != nil:
		return oaAppSecurity
	case rt.admin != nil:
		return oaAdminSecurity
	}
	return []string{}
}

// oaSecurityNames lists the schemes of a security requirement list, sorted.
func oaSecurityNames(sec any) []string {
	names := []string{}
	for _, req := range oaSlice(sec) {
		for name := range oaMap(req) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// openapiOperations lists every operation of the document as
// "METHOD /path", with the security schemes it accepts (none when its
// security is an empty list).
func openapiOperations(t *testing.T, doc map[string]any) map[string][]string {
	t.Helper()
	ops := map[string][]string{}
	for path, item := range oaMap(doc["paths"]) {
		for method, op := range oaMap(item) {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
			default:
				continue // parameters, summary, …
			}
			sec, ok := oaMap(op)["security"]
			if !ok {
				sec = doc["security"]
			}
			ops[strings.ToUpper(method)+" "+path] = oaSecurityNames(sec)
		}
	}
	return ops
}

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

func oaMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func oaSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// oaDig follows keys through nested objects.
func oaDig(v any, keys ...string) any {
	for _, k := range keys {
		v = oaMap(v)[k]
	}
	return v
}

// The document and the route table list the same endpoints: nothing served
// is undocumented and nothing documented is not served. ServeMux patterns
// and OpenAPI paths write parameters alike ({id}). Each endpoint is
// documented with the security of the guard it is served behind: an app
// key, the admin token, or none.
func TestOpenAPIMatchesRouteTable(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := openapiOperations(t, doc)
	// The document describes itself and its page: both must be served.
	for _, self := range []string{"GET /openapi.json", "GET /docs"} {
		if _, ok := documented[self]; !ok {
			t.Errorf("openapi.json does not document %s", self)
		}
	}

	for _, name := range append(slices.Clone(oaAppSecurity), oaAdminSecurity...) {
		if oaDig(doc, "components", "securitySchemes", name) == nil {
			t.Errorf("components.securitySchemes.%s is missing", name)
		}
	}

	s := New(nil, Config{})
	served := map[string]bool{}
	for _, rt := range s.routeTable() {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok || method == "" || !strings.HasPrefix(path, "/") {
			t.Errorf("route %q: want \"METHOD /path\"", rt.pattern)
			continue
		}
		key := strings.ToUpper(method) + " " + path
		served[key] = true
		sec, ok := documented[key]
		want := slices.Sorted(slices.Values(oaRouteSecurity(rt)))
		switch {
		case !ok:
			t.Errorf("%s is served (routeTable) but not documented in openapi.json", key)
		case !slices.Equal(sec, want):
			t.Errorf("%s: documented with security %v, served behind a guard that takes %v", key, sec, want)
		}
	}
	var missing []string
	for key := range documented {
		if _, ok := served[key]; !ok {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	for _, key := range missing {
		t.Errorf("%s is documented in openapi.json but not in routeTable()", key)
	}
}

// Every path parameter of a path is declared, as a required path
// parameter, by each of its operations.
func TestOpenAPIPathParameters(t *testing.T) {
	doc := loadOpenAPI(t)
	param := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range oaMap(doc["paths"]) {
		for method, op := range oaMap(item) {
			if method == "parameters" {
				continue
			}
			declared := map[string]bool{}
			for _, p := range append(oaSlice(oaMap(item)["parameters"]), oaSlice(oaMap(op)["parameters"])...) {
				if oaDig(p, "in") == "path" {
					declared[fmt.Sprint(oaDig(p, "name"))] = oaDig(p, "required") == true
				}
			}
			for _, m := range param.FindAllStringSubmatch(path, -1) {
				if req, ok := declared[m[1]]; !ok || !req {
					t.Errorf("%s %s: path parameter %s is not declared as a required path parameter", method, path, m[1])
				}
			}
		}
	}
}

func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	for _, k := range []string{"title", "version", "description"} {
		if s, _ := oaDig(doc, "info", k).(string); s == "" {
			t.Errorf("info.%s is missing", k)
		}
	}

	// Security: the default (the app key) is a bearer token or the
	// X-API-Key header, either one; the admin token is a bearer token.
	schemes := oaMap(oaDig(doc, "components", "securitySchemes"))
	isBearer := func(name string) bool {
		sc := schemes[name]
		return oaDig(sc, "type") == "http" && strings.EqualFold(fmt.Sprint(oaDig(sc, "scheme")), "bearer")
	}
	isKeyHeader := func(name string) bool {
		sc := schemes[name]
		return oaDig(sc, "type") == "apiKey" && oaDig(sc, "in") == "header" && strings.EqualFold(fmt.Sprint(oaDig(sc, "name")), "X-API-Key")
	}
	defaults := oaSecurityNames(doc["security"])
	if !slices.Equal(defaults, slices.Sorted(slices.Values(oaAppSecurity))) {
		t.Errorf("security = %v: want the app key schemes %v as alternatives", defaults, oaAppSecurity)
	}
	if !slices.ContainsFunc(defaults, isBearer) || !slices.ContainsFunc(defaults, isKeyHeader) {
		t.Errorf("security %v: want an http bearer scheme and an apiKey scheme in header X-API-Key; schemes: %v", defaults, schemes)
	}
	for _, name := range oaAdminSecurity {
		if !isBearer(name) {
			t.Errorf("securitySchemes.%s: want an http bearer scheme", name)
		}
	}
	for name, sc := range schemes {
		if s, _ := oaDig(sc, "description").(string); s == "" {
			t.Errorf("securitySchemes.%s has no description", name)
		}
	}

	// Every request body of /v1 takes both encodings parseFaceRequest reads.
	for path, item := range oaMap(doc["paths"]) {
		if !strings.HasPrefix(path, "/v1/") {
			continue
		}
		for method, op := range oaMap(item) {
			content := oaMap(oaDig(op, "requestBody", "content"))
			if content == nil {
				continue
			}
			for _, mt := range []string{"application/json", "multipart/form-data"} {
				if _, ok := content[mt]; !ok {
					t.Errorf("%s %s: request body does not document %s", method, path, mt)
				}
			}
		}
	}
}

// The Error schema is the shape writeError writes, its code enum lists
// every code of the status map (plus TIMEOUT) and nothing else, and the
// table of codes gives each the status errors.go answers with.
func TestOpenAPIErrorCodes(t *testing.T) {
	doc := loadOpenAPI(t)
	errSchema := oaDig(doc, "components", "schemas", "Error")
	if errSchema == nil {
		t.Fatal("components.schemas.Error is missing")
	}
	if !slices.Contains(oaSlice(oaDig(errSchema, "required")), any("error")) {
		t.Error("Error: error is not required")
	}
	inner := oaDig(errSchema, "properties", "error")
	for _, f := range []string{"code", "message"} {
		if !slices.Contains(oaSlice(oaDig(inner, "required")), any(f)) {
			t.Errorf("Error: error.%s is not required", f)
		}
		if oaDig(inner, "properties", f, "type") != "string" {
			t.Errorf("Error: error.%s is not a string", f)
		}
	}
	// The schema's field names are those errorBody encodes.
	var sample errorBody
	sample.Error.Code, sample.Error.Message = visage.CodeNotFound, "m"
	var encoded map[string]map[string]any
	b, _ := json.Marshal(sample)
	json.Unmarshal(b, &encoded)
	for f := range encoded["error"] {
		if oaDig(inner, "properties", f) == nil {
			t.Errorf("Error: errorBody writes error.%s, the schema does not have it", f)
		}
	}

	want := map[string]int{string(oaTimeoutCode): http.StatusServiceUnavailable}
	for c, st := range status {
		want[string(c)] = st
	}
	code := oaDig(inner, "properties", "code")
	enum := map[string]bool{}
	for _, v := range oaSlice(oaDig(code, "enum")) {
		enum[fmt.Sprint(v)] = true
	}
	table := map[string]int{}
	for _, e := range oaSlice(oaDig(code, "x-error-codes")) {
		st, _ := oaDig(e, "status").(float64)
		table[fmt.Sprint(oaDig(e, "code"))] = int(st)
		if s, _ := oaDig(e, "description").(string); s == "" {
			t.Errorf("x-error-codes: %v has no description", oaDig(e, "code"))
		}
	}
	for c, st := range want {
		if !enum[c] {
			t.Errorf("error code %s (errors.go) is missing from the Error schema's enum", c)
		}
		switch got, ok := table[c]; {
		case !ok:
			t.Errorf("error code %s (errors.go) is missing from x-error-codes", c)
		case got != st:
			t.Errorf("x-error-codes: %s documented as %d, errors.go answers %d", c, got, st)
		}
	}
	for c := range enum {
		if _, ok := want[c]; !ok {
			t.Errorf("the Error schema's enum lists %s, which errors.go does not have", c)
		}
	}
	for c := range table {
		if _, ok := want[c]; !ok {
			t.Errorf("x-error-codes lists %s, which errors.go does not have", c)
		}
	}
}

// Each operation's error responses use the Error schema and name, in
// `backticks`, only codes that errors.go answers with that status.
func TestOpenAPIErrorResponses(t *testing.T) {
	doc := loadOpenAPI(t)
	codeRef := regexp.MustCompile("`([A-Z][A-Z_]+)`")
	for path, item := range oaMap(doc["paths"]) {
		for method, op := range oaMap(item) {
			for st, resp := range oaMap(oaDig(op, "responses")) {
				n, err := strconv.Atoi(st)
				if err != nil || n < 400 || oaDig(resp, "content", "application/json", "schema", "$ref") != "#/components/schemas/Error" {
					continue
				}
				desc, _ := oaDig(resp, "description").(string)
				codes := codeRef.FindAllStringSubmatch(desc, -1)
				if len(codes) == 0 {
					t.Errorf("%s %s %s: the description names no error code", method, path, st)
				}
				for _, m := range codes {
					c := visage.Code(m[1])
					want, ok := status[c]
					if c == oaTimeoutCode {
						want, ok = http.StatusServiceUnavailable, true
					}
					if !ok || want != n {
						t.Errorf("%s %s: %s listed under %s, errors.go answers it with %d", method, path, c, st, want)
					}
				}
			}
		}
	}
}

// Every $ref points at something in the document.
func TestOpenAPIRefsResolve(t *testing.T) {
	doc := loadOpenAPI(t)
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				target := any(doc)
				if !strings.HasPrefix(ref, "#/") {
					t.Errorf("%s: $ref %q is not local", at, ref)
				}
				for _, seg := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					target = oaMap(target)[strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")]
				}
				if target == nil {
					t.Errorf("%s: $ref %q resolves to nothing", at, ref)
				}
			}
			for k, e := range v {
				walk(e, at+"/"+k)
			}
		case []any:
			for i, e := range v {
				walk(e, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(doc, "#")
}

func TestOpenAPIJSONHandler(t *testing.T) {
	s := New(nil, Config{})
	w := httptest.NewRecorder()
	s.openapiJSON(w, httptest.NewRequest("GET", "/openapi.json", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if w.Body.String() != string(openapiDoc) || !json.Valid(w.Body.Bytes()) {
		t.Error("the body is not the embedded document")
	}
}

func TestDocsPage(t *testing.T) {
	s := New(nil, Config{})
	w := httptest.NewRecorder()
	s.docsPage(w, httptest.NewRequest("GET", "/docs", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	page := w.Body.String()
	doc := loadOpenAPI(t)
	for path, item := range oaMap(doc["paths"]) {
		if !strings.Contains(page, path) {
			t.Errorf("the page does not show %s", path)
		}
		for method, op := range oaMap(item) {
			if sum, _ := oaDig(op, "summary").(string); sum != "" && !strings.Contains(page, html.EscapeString(sum)) {
				t.Errorf("the page does not show the summary of %s %s", method, path)
			}
		}
	}
	for c := range status {
		if !strings.Contains(page, string(c)) {
			t.Errorf("the page's error table lacks %s", c)
		}
	}
	for _, field := range []string{"facial_id", "external_id", "image5", "payload", "similarity", "eyes_open", "X-API-Key", "Bearer"} {
		if !strings.Contains(page, field) {
			t.Errorf("the page does not mention %s", field)
		}
	}
	// Self-contained: nothing is loaded from elsewhere.
	lower := strings.ToLower(page)
	for _, ext := range []string{"<script", "<link", "<img", "<iframe", "@import", "url(", "src=", `href="http`, `href="//`} {
		if strings.Contains(lower, ext) {
			t.Errorf("the page contains %q: it must be self-contained", ext)
		}
	}
	if !strings.Contains(page, `name="viewport"`) {
		t.Error("the page has no viewport meta: unreadable on a phone")
	}
}

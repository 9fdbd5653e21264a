package http

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/visagehq/visage"
)

// openapiDoc is the OpenAPI 3.1 description of the native API. It is
// written by hand; a test holds it to routeTable() and to the error codes.
//
//go:embed openapi.json
var openapiDoc []byte

// openapiJSON serves the OpenAPI document as it is embedded.
func (s *Server) openapiJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openapiDoc)
}

// docsHTML is the reference page, rendered once from openapiDoc.
var docsHTML = sync.OnceValues(func() ([]byte, error) { return renderDocs(openapiDoc) })

// docsPage serves a readable HTML reference rendered from the OpenAPI
// document: no script, no external style sheet, font or image.
func (s *Server) docsPage(w http.ResponseWriter, r *http.Request) {
	page, err := docsHTML()
	if err != nil {
		writeError(w, r, s.cfg.Logger, visage.Wrap(visage.CodeInternal, err, "the reference page cannot be rendered"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(page)
}

// docObject is a decoded JSON object that keeps its keys in document
// order, so the page lists paths, fields and responses as written.
type docObject struct {
	keys []string
	vals map[string]any
}

// decodeDocJSON decodes a JSON document into docObject, []any, string,
// json.Number, bool and nil values.
func decodeDocJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeDocValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

func decodeDocValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		o := &docObject{vals: map[string]any{}}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			v, err := decodeDocValue(dec)
			if err != nil {
				return nil, err
			}
			if _, dup := o.vals[k]; !dup {
				o.keys = append(o.keys, k)
			}
			o.vals[k] = v
		}
		_, err = dec.Token() // '}'
		return o, err
	case '[':
		a := []any{}
		for dec.More() {
			v, err := decodeDocValue(dec)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err = dec.Token() // ']'
		return a, err
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

// The accessors are nil-safe, so a path through the document can be
// written without checking each step.

func (o *docObject) obj(k string) *docObject {
	if o == nil {
		return nil
	}
	v, _ := o.vals[k].(*docObject)
	return v
}

func (o *docObject) str(k string) string {
	if o == nil {
		return ""
	}
	switch v := o.vals[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return ""
}

func (o *docObject) arr(k string) []any {
	if o == nil {
		return nil
	}
	v, _ := o.vals[k].([]any)
	return v
}

func (o *docObject) has(k string) bool {
	if o == nil {
		return false
	}
	_, ok := o.vals[k]
	return ok
}

func (o *docObject) strings(k string) []string {
	var out []string
	for _, v := range o.arr(k) {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// The page's view of the document.

type docsView struct {
	Title, Version, Summary string
	Description             template.HTML
	Security                []securityView
	Headers                 []headerView
	Groups                  []groupView
	Errors                  []errorCodeView
}

type securityView struct {
	Name, How   string
	Description template.HTML
}

type headerView struct {
	Name        string
	Description template.HTML
}

type groupView struct {
	Name        string
	Description template.HTML
	Ops         []opView
}

type opView struct {
	Anchor, Method, Path, Summary string
	Description                   template.HTML
	Auth                          []string // schemes accepted, any one; none for an open endpoint
	Params                        []fieldView
	Bodies                        []bodyView
	Responses                     []responseView
}

type fieldView struct {
	Name, In, Type, Rules string
	Required              bool
	Description           template.HTML
}

type bodyView struct {
	MediaType string
	Fields    []fieldView
}

type responseView struct {
	Status, MediaType string
	Description       template.HTML
	ErrorShape        bool
	Fields            []fieldView
	Headers           []string
}

type errorCodeView struct {
	Code, Status string
	Description  template.HTML
}

// docsModel holds the decoded document for the view builders, and
// collects the response headers met on the way.
type docsModel struct {
	root    *docObject
	headers *[]headerView
}

// resolve follows a local $ref ("#/components/…") and returns the target
// and the referenced component's name ("" when o is not a reference).
func (m docsModel) resolve(o *docObject) (*docObject, string) {
	name := ""
	for range 8 { // references to references, without looping forever
		ref := o.str("$ref")
		if !strings.HasPrefix(ref, "#/") {
			break
		}
		t := m.root
		for _, seg := range strings.Split(ref[2:], "/") {
			seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
			t = t.obj(seg)
		}
		if t == nil {
			break
		}
		o, name = t, ref[strings.LastIndex(ref, "/")+1:]
	}
	return o, name
}

// describe is a schema's own description, or else its target's.
func (m docsModel) describe(s *docObject) string {
	if d := s.str("description"); d != "" {
		return d
	}
	t, _ := m.resolve(s)
	return t.str("description")
}

var docsMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// renderDocs renders the reference page of an OpenAPI document.
func renderDocs(doc []byte) ([]byte, error) {
	v, err := decodeDocJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	root, ok := v.(*docObject)
	if !ok {
		return nil, errors.New("openapi.json: not a JSON object")
	}
	info := root.obj("info")
	view := docsView{
		Title:       info.str("title"),
		Version:     info.str("version"),
		Summary:     info.str("summary"),
		Description: docsProse(info.str("description")),
	}
	m := docsModel{root: root, headers: &view.Headers}

	schemes := root.obj("components").obj("securitySchemes")
	for _, name := range schemes.keysOrNil() {
		sc := schemes.obj(name)
		how := sc.str("type")
		switch {
		case how == "http" && strings.EqualFold(sc.str("scheme"), "bearer"):
			how = "Authorization: Bearer <token>"
		case how == "http":
			how = "HTTP " + sc.str("scheme") + " authentication"
		case how == "apiKey" && sc.str("in") == "header":
			how = sc.str("name") + ": <key>"
		case how == "apiKey":
			how = sc.str("name") + " (" + sc.str("in") + ")"
		}
		view.Security = append(view.Security, securityView{Name: name, How: how, Description: docsProse(sc.str("description"))})
	}

	var groups []*groupView
	byTag := map[string]*groupView{}
	for _, t := range root.arr("tags") {
		if to, ok := t.(*docObject); ok {
			g := &groupView{Name: to.str("name"), Description: docsProse(to.str("description"))}
			groups = append(groups, g)
			byTag[g.Name] = g
		}
	}
	paths := root.obj("paths")
	for _, path := range paths.keysOrNil() {
		item := paths.obj(path)
		for _, method := range docsMethods {
			op := item.obj(method)
			if op == nil {
				continue
			}
			ov := m.operation(path, method, item, op)
			tag := "Other"
			if tags := op.strings("tags"); len(tags) > 0 {
				tag = tags[0]
			}
			g := byTag[tag]
			if g == nil {
				g = &groupView{Name: tag}
				groups = append(groups, g)
				byTag[tag] = g
			}
			g.Ops = append(g.Ops, ov)
		}
	}
	for _, g := range groups {
		if len(g.Ops) > 0 {
			view.Groups = append(view.Groups, *g)
		}
	}

	code := root.obj("components").obj("schemas").obj("Error").obj("properties").obj("error").obj("properties").obj("code")
	for _, e := range code.arr("x-error-codes") {
		if eo, ok := e.(*docObject); ok {
			view.Errors = append(view.Errors, errorCodeView{Code: eo.str("code"), Status: eo.str("status"), Description: docsProse(eo.str("description"))})
		}
	}

	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, view); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (o *docObject) keysOrNil() []string {
	if o == nil {
		return nil
	}
	return o.keys
}

func (m docsModel) operation(path, method string, item, op *docObject) opView {
	root := m.root
	anchor := op.str("operationId")
	if anchor == "" {
		anchor = method + path
	}
	ov := opView{
		Anchor:      "op-" + docsAnchor(anchor),
		Method:      strings.ToUpper(method),
		Path:        path,
		Summary:     op.str("summary"),
		Description: docsProse(op.str("description")),
	}
	security := root.arr("security")
	if op.has("security") {
		security = op.arr("security")
	}
	for _, req := range security {
		if ro, ok := req.(*docObject); ok {
			ov.Auth = append(ov.Auth, strings.Join(ro.keysOrNil(), " and "))
		}
	}
	// Path-level parameters first, then the operation's.
	for _, list := range [][]any{item.arr("parameters"), op.arr("parameters")} {
		for _, p := range list {
			po, ok := p.(*docObject)
			if !ok {
				continue
			}
			po, _ = m.resolve(po)
			sch := po.obj("schema")
			ov.Params = append(ov.Params, fieldView{
				Name: po.str("name"), In: po.str("in"), Required: po.str("required") == "true",
				Type: m.typeOf(sch), Rules: m.rules(sch), Description: docsProse(m.describe(po)),
			})
		}
	}
	if rb, _ := m.resolve(op.obj("requestBody")); rb != nil {
		content := rb.obj("content")
		for _, mt := range content.keysOrNil() {
			bv := bodyView{MediaType: mt}
			m.fields("", content.obj(mt).obj("schema"), 0, &bv.Fields)
			ov.Bodies = append(ov.Bodies, bv)
		}
	}
	responses := op.obj("responses")
	for _, st := range responses.keysOrNil() {
		r, _ := m.resolve(responses.obj(st))
		rv := responseView{Status: st, Description: docsProse(r.str("description"))}
		hs := r.obj("headers")
		for _, name := range hs.keysOrNil() {
			rv.Headers = append(rv.Headers, name)
			if !slices.ContainsFunc(*m.headers, func(h headerView) bool { return h.Name == name }) {
				*m.headers = append(*m.headers, headerView{Name: name, Description: docsProse(m.describe(hs.obj(name)))})
			}
		}
		content := r.obj("content")
		for _, mt := range content.keysOrNil() {
			rv.MediaType = mt
			sch := content.obj(mt).obj("schema")
			if _, name := m.resolve(sch); name == "Error" {
				rv.ErrorShape = true
			} else {
				m.fields("", sch, 0, &rv.Fields)
			}
			break // one media type per response in this API
		}
		ov.Responses = append(ov.Responses, rv)
	}
	return ov
}

// fields lists a schema's properties, nested ones as a.b and a[].b.
func (m docsModel) fields(prefix string, s *docObject, depth int, out *[]fieldView) {
	s, _ = m.resolve(s)
	if depth > 4 || s == nil {
		return
	}
	required := s.strings("required")
	props := s.obj("properties")
	for _, name := range props.keysOrNil() {
		p := props.obj(name)
		*out = append(*out, fieldView{
			Name: prefix + name, Type: m.typeOf(p), Rules: m.rules(p),
			Required: slices.Contains(required, name), Description: docsProse(m.describe(p)),
		})
		t, _ := m.resolve(p)
		switch {
		case t.has("properties"):
			m.fields(prefix+name+".", t, depth+1, out)
		case t.str("type") == "array":
			if it, _ := m.resolve(t.obj("items")); it.has("properties") {
				m.fields(prefix+name+"[].", it, depth+1, out)
			}
		}
	}
}

// typeOf is a short, human name of a schema's type.
func (m docsModel) typeOf(s *docObject) string {
	if s == nil {
		return ""
	}
	s, _ = m.resolve(s)
	if s.has("const") {
		return s.str("type") + ": " + s.str("const")
	}
	var t string
	switch v := s.vals["type"].(type) {
	case string:
		t = v
	case []any:
		var names []string
		for _, n := range v {
			if n, ok := n.(string); ok {
				names = append(names, n)
			}
		}
		t = strings.Join(names, " or ")
	}
	switch t {
	case "":
		return "any JSON"
	case "array":
		return "array of " + m.typeOf(s.obj("items"))
	case "string":
		switch {
		case s.str("contentMediaType") == "application/octet-stream":
			return "file"
		case s.str("contentEncoding") == "base64":
			return "string (base64)"
		case s.str("contentMediaType") == "application/json":
			return "string (JSON text)"
		case s.str("format") != "":
			return "string (" + s.str("format") + ")"
		}
	}
	return t
}

// rules lists a schema's constraints in a few words.
func (m docsModel) rules(s *docObject) string {
	if s == nil {
		return ""
	}
	s, _ = m.resolve(s)
	var r []string
	if e := s.arr("enum"); len(e) > 0 {
		var vals []string
		for _, v := range e {
			vals = append(vals, fmt.Sprint(v))
		}
		r = append(r, "one of "+strings.Join(vals, ", "))
	}
	if p := s.str("pattern"); p != "" {
		r = append(r, "pattern "+p)
	}
	for _, c := range []struct{ key, label string }{
		{"minimum", "min"}, {"maximum", "max"}, {"minLength", "min length"}, {"maxLength", "max length"},
		{"minItems", "min items"}, {"maxItems", "max items"}, {"default", "default"},
	} {
		if v := s.str(c.key); v != "" {
			r = append(r, c.label+" "+v)
		}
	}
	return strings.Join(r, "; ")
}

func docsAnchor(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, s)
}

// docsProse renders a description: blank lines separate paragraphs and
// `backticks` mark code. Everything else is escaped.
func docsProse(s string) template.HTML {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		b.WriteString("<p>")
		parts := strings.Split(strings.TrimSpace(para), "`")
		for i, part := range parts {
			switch {
			case i%2 == 0:
				b.WriteString(template.HTMLEscapeString(part))
			case i == len(parts)-1: // an unclosed backtick
				b.WriteString("`" + template.HTMLEscapeString(part))
			default:
				b.WriteString("<code>" + template.HTMLEscapeString(part) + "</code>")
			}
		}
		b.WriteString("</p>")
	}
	return template.HTML(b.String())
}

var docsTemplate = template.Must(template.New("docs").Funcs(template.FuncMap{
	"lower": strings.ToLower,
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;background:#fff;margin:0 auto;max-width:62rem;padding:0 1rem 3rem}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em;background:#f1f1f3;padding:0 .25em;border-radius:3px;overflow-wrap:anywhere}
h1{font-size:1.7rem;margin:1.2rem 0 .2rem}h2{font-size:1.35rem;margin-top:2.5rem;border-bottom:2px solid #ddd}
h3{font-size:1.1rem;margin:0 0 .3rem;overflow-wrap:anywhere}h4{font-size:.95rem;margin:1rem 0 .3rem}
section.op{border-top:1px solid #e3e3e3;padding-top:1rem;margin-top:1.5rem}
.m{display:inline-block;min-width:4em;text-align:center;color:#fff;border-radius:3px;font-size:.8em;padding:.05em .4em;margin-right:.4em;background:#555}
.get{background:#1f6fa8}.post{background:#2b7a37}.put{background:#9a6200}.delete{background:#b3261e}
.note{color:#555;font-size:.9em}.req{color:#b3261e;font-size:.8em;white-space:nowrap}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.3rem 0}
th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#f6f6f8}
td p{margin:0 0 .4em}td p:last-child{margin:0}
nav ul{padding-left:1.2rem;margin:.3rem 0}nav li{margin:.15rem 0}
.resp{border-left:3px solid #ddd;padding:.1rem 0 .1rem .7rem;margin:.6rem 0}.resp p{margin:.3rem 0}p.st{margin-bottom:.1rem}
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p class="note">API version {{.Version}} · <a href="openapi.json">openapi.json</a> (OpenAPI 3.1)</p>
{{with .Summary}}<p>{{.}}</p>{{end}}
</header>
<nav>
<h2>Contents</h2>
<ul>
<li><a href="#overview">Overview</a></li>
<li><a href="#authentication">Authentication</a></li>
{{if .Headers}}<li><a href="#headers">Response headers</a></li>{{end}}
{{range .Groups}}<li>{{.Name}}<ul>
{{range .Ops}}<li><a href="#{{.Anchor}}"><code>{{.Method}} {{.Path}}</code></a> {{.Summary}}</li>
{{end}}</ul></li>
{{end}}<li><a href="#errors">Errors</a></li>
</ul>
</nav>
<main>
<h2 id="overview">Overview</h2>
{{.Description}}
<h2 id="authentication">Authentication</h2>
<p>Each endpoint says which of these schemes it accepts; any one of them will do. Endpoints with “Auth: none” are open.</p>
<div class="scroll"><table>
<tr><th>scheme</th><th>send</th><th>description</th></tr>
{{range .Security}}<tr><td>{{.Name}}</td><td><code>{{.How}}</code></td><td>{{.Description}}</td></tr>
{{end}}</table></div>
{{with .Headers}}<h2 id="headers">Response headers</h2>
<div class="scroll"><table>
<tr><th>header</th><th>description</th></tr>
{{range .}}<tr><td><code>{{.Name}}</code></td><td>{{.Description}}</td></tr>
{{end}}</table></div>
{{end}}
{{range .Groups}}
<h2>{{.Name}}</h2>
{{.Description}}
{{range .Ops}}
<section class="op" id="{{.Anchor}}">
<h3><span class="m {{lower .Method}}">{{.Method}}</span><code>{{.Path}}</code></h3>
<p><strong>{{.Summary}}</strong><br><span class="note">Auth: {{range $i, $a := .Auth}}{{if $i}} or {{end}}<a href="#authentication">{{$a}}</a>{{else}}none{{end}}</span></p>
{{.Description}}
{{with .Params}}<h4>Parameters</h4>
<div class="scroll"><table>
<tr><th>name</th><th>in</th><th>type</th><th>description</th></tr>
{{range .}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{.In}}</td><td>{{.Type}}{{with .Rules}}<br><span class="note">{{.}}</span>{{end}}</td><td>{{.Description}}</td></tr>
{{end}}</table></div>
{{end}}
{{range .Bodies}}<h4>Request body: <code>{{.MediaType}}</code></h4>
<div class="scroll"><table>
<tr><th>field</th><th>type</th><th>description</th></tr>
{{range .Fields}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{.Type}}{{with .Rules}}<br><span class="note">{{.}}</span>{{end}}</td><td>{{.Description}}</td></tr>
{{end}}</table></div>
{{end}}
<h4>Responses</h4>
{{range .Responses}}<div class="resp">
<p class="st"><strong>{{.Status}}</strong>{{if and .MediaType (not .ErrorShape)}} <span class="note"><code>{{.MediaType}}</code></span>{{end}}{{if .ErrorShape}} <span class="note">the <a href="#errors">error shape</a></span>{{end}}</p>
{{.Description}}
{{with .Fields}}<div class="scroll"><table>
<tr><th>field</th><th>type</th><th>description</th></tr>
{{range .}}<tr><td><code>{{.Name}}</code>{{if not .Required}} <span class="note">optional</span>{{end}}</td><td>{{.Type}}{{with .Rules}}<br><span class="note">{{.}}</span>{{end}}</td><td>{{.Description}}</td></tr>
{{end}}</table></div>{{end}}
{{with .Headers}}<p class="note">Headers: {{range $i, $h := .}}{{if $i}}, {{end}}<a href="#headers"><code>{{$h}}</code></a>{{end}}</p>{{end}}
</div>
{{end}}</section>
{{end}}
{{end}}
<h2 id="errors">Errors</h2>
<p>Every error has the same body: <code>{"error": {"code": "…", "message": "…"}}</code>. Programs should act on <code>code</code>, which is stable; <code>message</code> is written for people and may change.</p>
<div class="scroll"><table>
<tr><th>code</th><th>status</th><th>when</th></tr>
{{range .Errors}}<tr><td><code>{{.Code}}</code></td><td>{{.Status}}</td><td>{{.Description}}</td></tr>
{{end}}</table></div>
</main>
</body>
</html>
`))

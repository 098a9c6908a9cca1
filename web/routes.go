package web

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/madoguchi/madoguchi/alerts"
	"github.com/madoguchi/madoguchi/desk"
)

// routes maps every page; the middleware wraps them all. Each page's
// guard says what its role may (middleware.go): read (viewers, agents,
// admins), act (agents, admins), report (viewers, admins), curate
// (admins); the customers' pages are customerRoutes'. The JSON API and
// /metrics (issue 16) mount beside these on the same mux.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.opts.Metrics != nil {
		mux.HandleFunc("GET /metrics", s.metrics())
	}
	// The JSON API (api.go): bearer tokens, its own errors, no cookies.
	mux.Handle(apiPrefix+"/", s.apiHandler())
	// The inbound hooks of monitoring systems (hooks.go): bearer tokens
	// of scope alerts; withCrossOrigin lets /hooks/ through.
	mux.HandleFunc("POST /hooks/alertmanager", s.bearer(desk.ScopeAlerts, s.hook(alerts.Alertmanager)))
	mux.HandleFunc("POST /hooks/alert", s.bearer(desk.ScopeAlerts, s.hook(alerts.Generic)))
	mux.Handle("GET /static/", s.static())
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/favicon.svg?v="+assetVersions["favicon.svg"], http.StatusMovedPermanently)
	})

	mux.HandleFunc("GET /signin", s.signinForm)
	mux.HandleFunc("POST /signin", s.signinRequest)
	mux.HandleFunc("GET /signin/{token}", s.signinLink)
	mux.HandleFunc("POST /signin/{token}", s.signinConfirm)
	mux.HandleFunc("POST /signout", s.anyone(s.signout))
	mux.HandleFunc("POST /signout/all", s.anyone(s.signoutAll))
	mux.HandleFunc("POST /lang", s.setLang)
	mux.HandleFunc("GET /account", s.anyone(s.account))

	mux.HandleFunc("GET /{$}", s.reader(s.queue))
	mux.HandleFunc("GET /queue/live", s.reader(s.queueLive))
	mux.HandleFunc("GET /tickets/{ref}", s.reader(s.ticket))
	mux.HandleFunc("POST /tickets/{ref}/act/{action}", s.agent(s.act))
	mux.HandleFunc("POST /tickets/{ref}/promote", s.agent(s.promote))
	mux.HandleFunc("GET /tickets/{ref}/attachments/{n}", s.reader(s.attachment))
	mux.HandleFunc("GET /tickets/{ref}/entries/{id}/raw", s.agent(s.rawEntry))
	mux.HandleFunc("GET /tickets/{ref}/mails/{id}/raw", s.agent(s.rawMail))

	mux.HandleFunc("GET /faq", s.admin(s.faqList))
	mux.HandleFunc("GET /faq/new", s.admin(s.faqNew))
	mux.HandleFunc("POST /faq/new", s.admin(s.faqCreate))
	mux.HandleFunc("GET /faq/gaps", s.admin(s.faqGaps))
	mux.HandleFunc("GET /faq/test", s.admin(s.faqTest))
	mux.HandleFunc("GET /faq/entries/{key}", s.admin(s.faqEntry))
	mux.HandleFunc("POST /faq/entries/{key}", s.admin(s.faqEdit))
	mux.HandleFunc("POST /faq/entries/{key}/{move}", s.admin(s.faqMove))

	mux.HandleFunc("GET /reports", s.reporter(s.reports))
	mux.HandleFunc("GET /reports/{name}", s.reporter(s.reportCSV))
	mux.HandleFunc("GET /settings", s.admin(s.settings))

	s.customerRoutes(mux)

	mux.HandleFunc("/", s.notFound)
	return s.withLog(s.withHeaders(s.withCrossOrigin(mux)))
}

// static serves the embedded CSS and scripts; their links carry a hash
// of the file, so a browser may keep them a year.
func (s *Server) static() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			s.notFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		files.ServeHTTP(w, r)
	})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusNotFound, "error.not_found", "error.not_found_text")
}

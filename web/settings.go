package web

import (
	"net/http"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/tickets"
)

type settingsPage struct {
	Cfg        *config.Config // secrets masked
	Priorities []string
}

// settings shows the configuration the gateway runs with (admins):
// tiers, SLA targets and hours, admins, digest. It changes nothing.
func (s *Server) settings(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, "settings")
	v.Title = v.T("settings.title")
	v.Data = settingsPage{Cfg: s.opts.Settings, Priorities: tickets.Priorities}
	s.page(w, r, http.StatusOK, "settings", v)
}

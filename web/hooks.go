package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/madoguchi/madoguchi/alerts"
	"github.com/madoguchi/madoguchi/desk"
)

// The inbound hooks: a monitoring system posts one alert group (Prometheus
// Alertmanager's webhook, or the generic JSON alert), which desk.Alert
// acts on as `madoguchi alerts post` and the [[alerts.mail]] rules do: one
// incident per group key, a repeat appended, a resolution resolving it.
// The caller is a machine with a bearer token of scope alerts; the answer
// is the outcome as JSON, or an error of the API's shape.

// hook serves one hook whose payload decode reads.
func (s *Server) hook(decode func(io.Reader, alerts.Options) (desk.AlertGroup, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body := http.MaxBytesReader(w, r.Body, maxBody)
		g, err := decode(body, alerts.Options{ServiceLabels: s.opts.AlertServiceLabels})
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			s.apiFail(w, r, http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("the body is over %d bytes", maxBody))
			return
		case err != nil:
			s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, err.Error())
			return
		}
		out, err := s.desk.Alert(r.Context(), g)
		if errors.Is(err, desk.ErrBadAlert) {
			s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, err.Error())
			return
		}
		if err != nil {
			s.apiErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

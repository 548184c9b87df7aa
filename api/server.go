// Package api serves Payroc's REST API on Ferry's core: identity, refund
// instructions, refunds, devices and processing terminals, with Payroc's
// paths, bodies, status codes and problem documents, so that Payroc's SDKs
// work against it unchanged.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/core"
	"github.com/ferrygateway/ferry/internal/httpx"
)

// Config configures the API. Zero fields take their defaults.
type Config struct {
	// PublicURL is the base of the absolute hrefs in links, such as
	// "https://ferry.example.com". Default: derived from each request.
	PublicURL string
	// PollWait is the longest a status GET waits for a change. Default: 30s.
	PollWait time.Duration
	// MaxBody caps request bodies, in bytes. Default: 64 KiB.
	MaxBody int64
	// MaxWaitingPolls caps the status GETs one merchant may have waiting
	// at once in this instance; more are answered 429. Default: 1000.
	MaxWaitingPolls int
}

// Server is the HTTP adapter for the core.
type Server struct {
	svc *core.Service
	cfg Config
	log *slog.Logger
	rd  *httpx.Renderer
	// polls counts each merchant's waiting status GETs.
	polls *httpx.Limiter
}

// New returns the API over svc. logger may be nil.
func New(svc *core.Service, cfg Config, logger *slog.Logger) *Server {
	if cfg.PollWait <= 0 {
		cfg.PollWait = 30 * time.Second
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 64 << 10
	}
	if cfg.MaxWaitingPolls <= 0 {
		cfg.MaxWaitingPolls = 1000
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{svc: svc, cfg: cfg, log: logger}
	s.rd = &httpx.Renderer{Log: logger, BaseURL: s.baseURL}
	s.polls = httpx.NewLimiter(cfg.MaxWaitingPolls)
	return s
}

// baseURL is the scheme and host that links start with.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	return BaseURL(r)
}

// BaseURL is the scheme and host a request was sent to.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type ctxKey int

const principalKey ctxKey = iota

// authed lets only requests with a valid bearer token through, and puts
// the principal in the request's context.
func (s *Server) authed(h httpx.Handler) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.svc.Authenticate(r.Context(), httpx.Bearer(r.Header.Get("Authorization")))
		if err != nil {
			return err
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
	}
}

func principal(r *http.Request) *ferry.Principal {
	p, _ := r.Context().Value(principalKey).(*ferry.Principal)
	return p
}

// Package api serves Payroc's REST API on Ferry's core: identity, refund
// instructions and refunds, with Payroc's paths, bodies, status codes and
// problem documents, so that Payroc's SDKs work against it unchanged.
package api

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ferrygateway/ferry/core"
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
}

// Server is the HTTP adapter for the core.
type Server struct {
	svc *core.Service
	cfg Config
	log *slog.Logger

	drainOnce sync.Once
	drain     chan struct{}
}

// New returns the API over svc. logger may be nil.
func New(svc *core.Service, cfg Config, logger *slog.Logger) *Server {
	if cfg.PollWait <= 0 {
		cfg.PollWait = 30 * time.Second
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 64 << 10
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{svc: svc, cfg: cfg, log: logger, drain: make(chan struct{})}
}

// Drain makes every waiting long-poll answer at once with the current
// state, and every later one answer without waiting. Call it before
// http.Server.Shutdown, which does not cancel requests in flight.
func (s *Server) Drain() { s.drainOnce.Do(func() { close(s.drain) }) }

// HTTPServer returns an http.Server for the API with timeouts that suit
// long-polls: writes may take the poll wait plus a margin.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      s.cfg.PollWait + 30*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// baseURL is the scheme and host that links start with.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

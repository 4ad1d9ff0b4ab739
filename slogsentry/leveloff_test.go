package slogsentry_test

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/slogsentry"
)

// LevelOff switches each output off alone; events carry Origin.
func TestLevelOffEachOutput(t *testing.T) {
	testclient.CheckLevelOff(t, slogsentry.Origin, func(t *testing.T, off string) testclient.Outputs {
		c, mt := testclient.New(t, core.Options{})
		o := slogsentry.Options{Client: c, BreadcrumbLevel: slog.LevelInfo, EventLevel: slog.LevelError, LogsLevel: slog.LevelInfo}
		switch off {
		case "breadcrumbs":
			o.BreadcrumbLevel = slogsentry.LevelOff
		case "events":
			o.EventLevel = slogsentry.LevelOff
		case "logs":
			o.LogsLevel = slogsentry.LevelOff
		}
		l := slog.New(slogsentry.NewHandler(o))
		l.Info("info")
		l.Error("error", "error", errors.New("boom"))
		return testclient.Collect(t, c, mt)
	})
}

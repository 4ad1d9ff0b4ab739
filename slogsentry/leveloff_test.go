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
		lv := map[string]slog.Level{"breadcrumbs": slog.LevelInfo, "events": slog.LevelError, "logs": slog.LevelInfo}
		lv[off] = slogsentry.LevelOff
		h := slogsentry.NewHandler(slogsentry.Options{Client: c,
			BreadcrumbLevel: lv["breadcrumbs"], EventLevel: lv["events"], LogsLevel: lv["logs"]})
		l := slog.New(h)
		l.Info("info")
		l.Error("error", "error", errors.New("boom"))
		return testclient.Collect(t, c, mt)
	})
}

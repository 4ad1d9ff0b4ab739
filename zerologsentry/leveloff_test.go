package zerologsentry_test

import (
	"errors"
	"testing"

	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
	"github.com/sentrylog/sentrylog/zerologsentry"
)

// LevelOff switches each output off alone; events carry Origin.
func TestLevelOffEachOutput(t *testing.T) {
	testclient.CheckLevelOff(t, zerologsentry.Origin, func(t *testing.T, off string) testclient.Outputs {
		c, mt := testclient.New(t, core.Options{})
		o := zerologsentry.Options{Client: c,
			BreadcrumbLevel: zerologsentry.Level(zerolog.InfoLevel),
			EventLevel:      zerologsentry.Level(zerolog.ErrorLevel),
			LogsLevel:       zerologsentry.Level(zerolog.InfoLevel)}
		switch off {
		case "breadcrumbs":
			o.BreadcrumbLevel = zerologsentry.Level(zerologsentry.LevelOff)
		case "events":
			o.EventLevel = zerologsentry.Level(zerologsentry.LevelOff)
		case "logs":
			o.LogsLevel = zerologsentry.Level(zerologsentry.LevelOff)
		}
		w := zerologsentry.NewWriter(nil, o)
		l := zerolog.New(w).Hook(w)
		l.Info().Msg("info")
		l.Error().Err(errors.New("boom")).Msg("error")
		return testclient.Collect(t, c, mt)
	})
}

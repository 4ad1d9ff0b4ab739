// Package zerologsentry sends what github.com/rs/zerolog logs to Sentry,
// through the sentrylog core.
//
//	w := zerologsentry.New(os.Stderr, zerologsentry.Options{})
//	logger := zerolog.New(w).Hook(w).With().Timestamp().Logger()
//
// The Writer wraps the program's own output and is also the logger's hook.
// Every line reaches the output unchanged; lines at or above
// Options.BreadcrumbLevel (Info) become breadcrumbs on the request's scope,
// lines at or above Options.EventLevel (Error) become events.
package zerologsentry

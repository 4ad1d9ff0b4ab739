// Package scrub removes secrets and personal data from Sentry events before
// they leave the process. The core runs the default scrubber on its worker,
// after the scopes are merged and before BeforeSend, so nothing scrubbed
// ever reaches BeforeSend or the transport.
package scrub

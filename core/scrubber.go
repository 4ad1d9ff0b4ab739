package core

import (
	"github.com/sentrylog/sentrylog/internal/scrubbind"
	"github.com/sentrylog/sentrylog/scrub"
)

// clientScrubber returns the scrubber a client with options o runs. Without
// o.Scrubber it is the scrub package's default scrubber with o's PII
// setting and request body limit. A scrubber of the scrub package given as
// o.Scrubber is bound to the same two options, so that building one to add
// a key or a detector changes nothing else: personal data is kept when
// either says so, and the stricter of two body limits applies (an unset one
// takes the client's). Any other Scrubber runs as it is.
func clientScrubber(o *Options) Scrubber {
	limit := o.MaxRequestBodySize.Limit()
	if o.Scrubber == nil {
		so := scrub.Options{SendDefaultPII: o.SendDefaultPII}
		if limit == 0 {
			so.DropRequestBody = true
		} else {
			so.MaxRequestBodySize = limit
		}
		return scrub.New(so)
	}
	if bound, ok := scrubbind.Bind(o.Scrubber, o.SendDefaultPII, limit); ok {
		return bound.(Scrubber)
	}
	return o.Scrubber
}

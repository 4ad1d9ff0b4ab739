package core

import "github.com/sentrylog/sentrylog/scrub"

// defaultScrubber is the scrub package's scrubber for o: the reference
// denylists, every detector, o's PII setting and request body limit.
func defaultScrubber(o *Options) Scrubber {
	so := scrub.Options{SendDefaultPII: o.SendDefaultPII}
	switch o.MaxRequestBodySize {
	case BodySizeNever:
		so.DropRequestBody = true
	default:
		so.MaxRequestBodySize = o.MaxRequestBodySize.Limit()
	}
	return scrub.New(so)
}

package core

// STUB(owner: scopes helper) — replaced by the real merge.

func (c *Client) applyScopes(ev *Event, p *pending) {}

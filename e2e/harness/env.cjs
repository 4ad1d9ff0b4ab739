// Removes the environment variables through which the receivers' own Sentry
// SDK or Spotlight could be told to send or write anything.
'use strict';

for (const name of Object.keys(process.env)) {
  if (/^(SENTRY_|SPOTLIGHT_|NEXT_PUBLIC_SENTRY_)/.test(name)) delete process.env[name];
}

/**
 * The security headers of the served designer (issue 11), in one place for `pcitopo serve`,
 * `npm start` (scripts/serve.mjs) and the `<meta>` Vite writes into the built index.html for
 * static hosts (vite.config.ts). Pure: no Node imports, so vite.config.ts can import it.
 *
 * The app needs nothing inline: Vite emits its script and CSS as files, React sets `style` through
 * the CSSOM (which CSP does not govern), and the PNG export draws a `data:` SVG image onto a
 * canvas. So: scripts and styles from the app's own origin only, no eval, no plugins, no framing.
 * e2e/csp.spec.ts fails on any violation while the app is used.
 */
export const CSP_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  // data: for the PNG export (an SVG drawn through an <img>), blob: for downloads shown as images
  ['img-src', "'self' data: blob:"],
  ['font-src', "'self'"],
  ['connect-src', "'self'"],
  ['worker-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  // only in the HTTP header: a <meta> policy cannot carry frame-ancestors (CSP 3, §6.1)
  ['frame-ancestors', "'none'"],
];

/** The policy as an HTTP header value, or (meta) for `<meta http-equiv>`, without what meta cannot carry. */
export function contentSecurityPolicy(opts: { meta: boolean } = { meta: false }): string {
  return CSP_DIRECTIVES.filter(([name]) => !(opts.meta && name === 'frame-ancestors'))
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': contentSecurityPolicy(),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // for browsers older than CSP's frame-ancestors
  'x-frame-options': 'DENY',
};

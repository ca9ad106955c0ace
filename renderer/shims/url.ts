/** Browser stand-in for Node's `url` (see events.ts for why it is needed): the WHATWG classes only. */
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;
export default { URL, URLSearchParams };

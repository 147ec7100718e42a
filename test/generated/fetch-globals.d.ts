/**
 * The generated client (./nemo-client) is written for browsers and names the DOM's `BodyInit`; this
 * project compiles without the DOM lib, so give it Node's (undici) definition, which fetch uses.
 */
type BodyInit = import('undici-types').BodyInit;

// How a request (and, at the end, a user) fared: what the user saw. Stored as small integers in
// typed arrays, so these names are the only way to write them.
export const OUTCOME_NONE = 0;
export const OUTCOME_OK = 1; // the user got a ticket
export const OUTCOME_SOLD_OUT = 2; // the app answered "sold out" (the article answers this for any failure too)
export const OUTCOME_ERROR = 3; // 502: nginx had no live upstream left, or the upstream failed
export const OUTCOME_TIMEOUT = 4; // 504 from nginx, or the user stopped waiting

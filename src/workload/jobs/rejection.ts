/** The chart cannot be accepted; the message is the reason shown to the person who uploaded it. */
export class Rejection extends Error {}

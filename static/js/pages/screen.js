/* What the board's screen asks for, read when a page turns or the layout changes. */

/** Whether the room's screen asked for no motion: pages still turn, without a fade. */
export const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

/** Below 900 px the board is a scrolling page, not a projection (app.css). */
export const narrow = () => window.matchMedia("(max-width: 900px)").matches;

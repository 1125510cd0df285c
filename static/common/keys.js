// Browser storage keys the pages share (static/resident/index.html reads LARGE_TEXT inline too).
export const RESIDENT_TOKEN = "sl.resident.token";
export const LARGE_TEXT = "sl.large";

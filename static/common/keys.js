// Browser storage keys the pages share (static/resident/index.html reads LARGE_TEXT inline too).
export const RESIDENT_TOKEN = "sl.resident.token";
export const LARGE_TEXT = "sl.large";
// A random id per phone, sent on guest sign-in so limits count devices, not one hall address.
export const DEVICE = "sl.device";

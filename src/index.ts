// brainfit public API. Each area lives in its own folder under src/ and is re-exported here.
export const VERSION = "0.1.0";

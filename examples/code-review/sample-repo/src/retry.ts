/** How many times a failed request is tried again. */
export const MAX_RETRIES = 3;

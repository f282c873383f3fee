/** The session's logger, shared by `Session` and the helpers that log on its behalf. */

import { getLogger } from "../../logging/index.js";

/** Where every `session.*` event is logged. */
export const log = getLogger("weakincentives.runtime.session");

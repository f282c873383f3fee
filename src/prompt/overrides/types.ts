/**
 * Shapes shared by the prompt renderer and the overrides stores: what a prompt looks like to an
 * override (its descriptor, with content hashes) and what an override may change.
 */

import type { SectionVisibility } from "../section.js";

/** A section that accepts overrides, identified by path and the hash of its original template. */
export interface SectionDescriptor {
  /** Keys from the root, e.g. `["reference", "api"]`. */
  readonly path: readonly string[];
  /** sha256 hex of the section's original body template. */
  readonly contentHash: string;
  /** Hierarchical number as rendered with every section enabled, e.g. `"2.1"`. */
  readonly number: string;
}

/** A tool that accepts overrides, identified by name and the hash of its contract. */
export interface ToolDescriptor {
  /** Path of the section that declares it. */
  readonly path: readonly string[];
  readonly name: string;
  /** sha256 hex over the description and the params and result JSON Schemas. */
  readonly contractHash: string;
}

/** Everything an override can target in one prompt template. */
export interface PromptDescriptor {
  readonly ns: string;
  readonly key: string;
  readonly sections: readonly SectionDescriptor[];
  readonly tools: readonly ToolDescriptor[];
}

/** Replacement text for one section. */
export interface SectionOverride {
  readonly path: readonly string[];
  /** Must equal the section's current content hash, or the override is stale. */
  readonly expectedHash: string;
  readonly body: string;
  readonly summary?: string;
  readonly visibility?: SectionVisibility;
}

/** Replacement description (and parameter descriptions) for one tool. */
export interface ToolOverride {
  readonly name: string;
  /** Must equal the tool's current contract hash, or the override is stale. */
  readonly expectedContractHash: string;
  readonly description?: string;
  /** Parameter name → description shown in the JSON Schema. */
  readonly paramDescriptions?: Readonly<Record<string, string>>;
}

/** All overrides for one prompt under one tag. */
export interface PromptOverride {
  readonly ns: string;
  readonly promptKey: string;
  readonly tag: string;
  /** By section path joined with `/`. */
  readonly sections: Readonly<Record<string, SectionOverride>>;
  /** By tool name. */
  readonly tools: Readonly<Record<string, ToolOverride>>;
}

/** Where overrides come from. Stale entries must already be filtered out of `resolve`'s answer. */
export interface PromptOverridesStore {
  /** The applicable overrides for `descriptor` under `tag`, or undefined when none apply. */
  resolve(descriptor: PromptDescriptor, tag?: string): PromptOverride | undefined;
}

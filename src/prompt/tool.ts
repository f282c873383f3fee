/**
 * Tools: typed functions a model may call. Parameters and results are zod schemas, so the
 * handler receives parsed, typed params and the provider receives a JSON Schema derived once.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { Tool, ToolResult } from "weakincentives";
 *
 * const lookup = new Tool({
 *   name: "lookup_entity",
 *   description: "Fetch information for an entity id.",
 *   params: z.object({ entityId: z.string().describe("Id to fetch") }),
 *   result: z.object({ url: z.string() }),
 *   handler: async ({ entityId }) => ToolResult.ok({ url: `https://example.com/${entityId}` }),
 * });
 * ```
 */

import { z } from "zod";
import type { BudgetTracker } from "../budget.js";
import type { Deadline } from "../deadline.js";
import { PromptValidationError } from "../errors.js";
import type { Filesystem } from "../filesystem/index.js";
import type { ResourceContext } from "../resources/index.js";
import type { RunContext } from "../run-context.js";
import { formatIssues, type JsonSchema, schemaIssues, toJsonSchema } from "../schema.js";
import type { Session } from "../session/index.js";

/** What a tool handler returns: a message for the model, an optional typed value, and success. */
export class ToolResult<T = unknown> {
  /** Text shown to the model. */
  readonly message: string;
  /** Typed payload; becomes session state when it is typed Data. */
  readonly value: T | undefined;
  readonly success: boolean;
  /** When true the value is kept out of the text sent back to the model. */
  readonly excludeValueFromContext: boolean;

  constructor(fields: { message: string; value?: T; success: boolean; excludeValueFromContext?: boolean }) {
    this.message = fields.message;
    this.value = fields.value;
    this.success = fields.success;
    this.excludeValueFromContext = fields.excludeValueFromContext ?? false;
    Object.freeze(this);
  }

  /** A successful result carrying `value`. */
  static ok<T>(value: T, message = "", options: { excludeValueFromContext?: boolean } = {}): ToolResult<T> {
    return new ToolResult<T>({ message, value, success: true, ...options });
  }

  /** A failed result: the model reads `message` and can try again. */
  static error<T = never>(message: string, value?: T): ToolResult<T> {
    return new ToolResult<T>(
      value === undefined ? { message, success: false } : { message, value, success: false },
    );
  }

  /** The text sent back to the model: the message, then the value as JSON unless excluded. */
  render(): string {
    const value =
      this.value === undefined || this.excludeValueFromContext
        ? undefined
        : typeof this.value === "string"
          ? this.value
          : JSON.stringify(this.value);
    if (!this.message) return value ?? "";
    return value === undefined ? this.message : `${this.message}\n\n${value}`;
  }
}

/**
 * What a handler can reach while it runs. The fields are filled by the adapter that executes the
 * tool; `session`, `resources` and `prompt` are typed loosely here to keep this module free of the
 * runtime's imports, and narrowed by the executor's own context type. Pass it on as it is: `signal`
 * is a getter (the call's signal is made on first read), which a spread copy does not keep.
 */
export interface ToolContext {
  /** The session of the evaluation; dispatch events to change state. */
  readonly session: Session;
  /** The prompt's open resource context. */
  readonly resources: ResourceContext;
  /** The workspace bound under `FilesystemKey`, when there is one. */
  readonly filesystem: Filesystem | undefined;
  /** The bound prompt being evaluated. */
  readonly prompt: unknown;
  /**
   * Aborts when the evaluation is cancelled or its deadline passes while this call runs. It
   * belongs to this call: once the handler settles it is detached from the evaluation and never
   * aborts, so do not keep it for work that outlives the call.
   */
  readonly signal: AbortSignal;
  readonly deadline?: Deadline;
  readonly budgetTracker?: BudgetTracker;
  readonly runContext?: RunContext;
  /** Name of the adapter running the evaluation. */
  readonly adapter: string;
  /** Provider id of this tool call, when it has one. */
  readonly callId?: string;
  /** Report progress during long work so the watchdog knows the worker is alive. */
  beat(): void;
}

/** A tool handler: typed params in, a {@link ToolResult} out (sync or async). */
export type ToolHandler<P, R> = (params: P, context: ToolContext) => ToolResult<R> | Promise<ToolResult<R>>;

/** A worked example of calling a tool, shown in its description and checked against its schemas. */
export interface ToolExample<P, R> {
  /** At most 200 characters. */
  readonly description: string;
  readonly input: P;
  readonly output: R;
}

/** Options for {@link Tool}. */
export interface ToolOptions<PS extends z.ZodObject | undefined, RS extends z.ZodType | undefined> {
  /** `^[a-z0-9_-]{1,64}$`; unique within a prompt. */
  name: string;
  /** 1–200 characters; what the tool does, for the model. */
  description: string;
  /** Parameters; omit for a tool that takes none (any argument is then rejected). */
  params?: PS;
  /** Result value schema; the executor checks handler results against it. */
  result?: RS;
  handler: ToolHandler<ParamsOf<PS>, ResultOf<RS>>;
  examples?: readonly ToolExample<ParamsOf<PS>, ResultOf<RS>>[];
  /** Whether prompt overrides may change the description (default true). */
  acceptsOverrides?: boolean;
}

type ParamsOf<PS> = PS extends z.ZodObject ? z.output<PS> : Record<string, never>;
type ResultOf<RS> = RS extends z.ZodType ? z.output<RS> : unknown;

const TOOL_NAME = /^[a-z0-9_-]{1,64}$/;
const NO_PARAMS = z.strictObject({});

/** A tool whose params and result types are inferred from its zod schemas. */
export class Tool<
  PS extends z.ZodObject | undefined = z.ZodObject | undefined,
  RS extends z.ZodType | undefined = z.ZodType | undefined,
> {
  readonly name: string;
  readonly description: string;
  /** The schema used to parse arguments: strict, so unknown keys are rejected. */
  readonly params: z.ZodObject;
  readonly result: RS;
  private readonly handler: ToolHandler<ParamsOf<PS>, ResultOf<RS>>;
  readonly examples: readonly ToolExample<ParamsOf<PS>, ResultOf<RS>>[];
  readonly acceptsOverrides: boolean;
  private schemaCache: JsonSchema | undefined;

  constructor(options: ToolOptions<PS, RS>) {
    if (!TOOL_NAME.test(options.name)) {
      throw new PromptValidationError(
        `Tool name ${JSON.stringify(options.name)} is invalid: use 1-64 characters from a-z, 0-9, "_" and "-".`,
        { details: { tool: options.name } },
      );
    }
    const description = options.description?.trim() ?? "";
    if (description.length < 1 || description.length > 200) {
      throw new PromptValidationError(
        `Tool "${options.name}" description must be 1-200 characters, got ${description.length}. ` +
          "Say briefly what the tool does; put details in the section text.",
        { details: { tool: options.name, length: description.length } },
      );
    }
    if (typeof options.handler !== "function") {
      throw new PromptValidationError(`Tool "${options.name}" needs a handler function.`, {
        details: { tool: options.name },
      });
    }
    this.name = options.name;
    this.description = description;
    this.params = options.params ? options.params.strict() : NO_PARAMS;
    this.result = options.result as RS;
    this.handler = options.handler;
    this.acceptsOverrides = options.acceptsOverrides ?? true;
    this.examples = Object.freeze([...(options.examples ?? [])]);
    this.checkExamples();
    Object.freeze(this.examples);
  }

  /** Run the handler with already-parsed params (the executor validates before calling). */
  invoke(
    params: ParamsOf<PS>,
    context: ToolContext,
  ): ToolResult<ResultOf<RS>> | Promise<ToolResult<ResultOf<RS>>> {
    return this.handler(params, context);
  }

  /** JSON Schema of the parameters, derived once. */
  get parametersJsonSchema(): JsonSchema {
    this.schemaCache ??= toJsonSchema(this.params);
    return this.schemaCache;
  }

  private checkExamples(): void {
    this.examples.forEach((example, index) => {
      const where = `Tool "${this.name}" example ${index}`;
      if (!example.description || example.description.length > 200) {
        throw new PromptValidationError(`${where}: description must be 1-200 characters.`, {
          details: { tool: this.name, example: index },
        });
      }
      const input = this.params.safeParse(example.input);
      if (!input.success) {
        throw new PromptValidationError(
          `${where}: input does not match the params schema:\n${formatIssues(schemaIssues(input.error))}`,
          { details: { tool: this.name, example: index } },
        );
      }
      const result = this.result as z.ZodType | undefined;
      const output = result?.safeParse(example.output);
      if (output && !output.success) {
        throw new PromptValidationError(
          `${where}: output does not match the result schema:\n${formatIssues(schemaIssues(output.error))}`,
          { details: { tool: this.name, example: index } },
        );
      }
    });
  }
}

/** Any tool, whatever its schemas. */
export type AnyTool = Tool<z.ZodObject | undefined, z.ZodType | undefined>;

// Runs a compiled graph and hands each stream chunk to a callback, without the
// two ReadableStream layers Pregel.stream() wraps around its generator: the
// outer one pumps every chunk eagerly in one microtask chain, so a node that
// wrote 10,000 custom events at once kept the event loop, and with it every
// socket of the server, busy for ~250 ms before the first chunk reached the
// run. Config handling is that of Pregel.stream() and Runnable.stream().
import { ensureConfig, pickRunnableConfigKeys, type RunnableConfig } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";

/** The part of a compiled LangGraph graph this needs (Runnable's generator hook). */
export interface StreamableGraph {
  config?: { recursionLimit?: number };
  _streamIterator(input: unknown, options: RunnableConfig): AsyncGenerator<unknown>;
}

/** How long the graph's chunks may keep the event loop before sockets get a turn. */
const SLICE_MS = 4;

/**
 * `draining`: once true, chunks are taken without yielding to other work. A drained graph ends
 * with an error, and LangGraph's inner stream drops the chunks still queued in it when it errors
 * (a web ReadableStream's error() empties its queue): the last step's updates and values would be
 * lost unless this reader has taken them all before the graph's checkpoint write returns.
 */
export async function streamGraph(
  graph: StreamableGraph,
  input: unknown,
  options: Record<string, unknown>,
  onChunk: (chunk: unknown) => void,
  draining: () => boolean = () => false,
): Promise<void> {
  const config = ensureConfig({ recursionLimit: graph.config?.recursionLimit, ...options } as RunnableConfig);
  const signal = config.signal;
  // Nodes read their config from LangChain's async-local storage, as under stream().
  await AsyncLocalStorageProviderSingleton.runWithConfig(
    pickRunnableConfigKeys(config),
    async () => {
      let sliceStart = performance.now();
      let lastChunk = sliceStart;
      // LangGraph checks the signal only between steps: a node that wrote a
      // million chunks would have them all handed over after a cancel. Checked
      // before each chunk, the run stops at the next one; leaving the loop by
      // a throw returns the generator, which ends the graph's pending work.
      for await (const chunk of graph._streamIterator(input, config)) {
        if (signal?.aborted) throw abortReason(signal);
        // Time spent waiting for the graph is not time this loop kept the event loop.
        const received = performance.now();
        if (received - lastChunk > SLICE_MS) sliceStart = received;
        onChunk(chunk);
        lastChunk = performance.now();
        if (lastChunk - sliceStart > SLICE_MS && !draining()) {
          await new Promise((resolve) => setImmediate(resolve));
          if (signal?.aborted) throw abortReason(signal);
          sliceStart = lastChunk = performance.now();
        }
      }
    },
    true,
  );
}

/** What a stopped reader throws: the run's reason when it is an Error (the executor reads the signal either way). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : Object.assign(new Error("the run was aborted"), { name: "AbortError" });
}

// The OpenTelemetry SDK, started only when OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: main.ts imports this module
// then and never otherwise, so an untraced service loads none of the SDK.
// Spans go out as OTLP over HTTP/protobuf in batches; the exporter reads the
// standard OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout),
// the resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { getNumberFromEnv, getStringFromEnv, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, detectResources, envDetector, resourceFromAttributes, serviceInstanceIdDetector } from "@opentelemetry/resources";
import { BatchSpanProcessor, RandomIdGenerator, TracerProvider, type IdGenerator, type SpanExporter } from "@opentelemetry/sdk-trace";
import { takePendingSpanId, TRACER_NAME, useTracer } from "./tracing.js";

const SHUTDOWN_MS = 5_000;

export interface Telemetry {
  /** Exports what is buffered and stops; call once, after the server stopped. */
  shutdown(): Promise<void>;
}

/** Random ids, except the run span's, which every replica derives from the run id (see domain/trace-context.ts). */
class RunAwareIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  generateTraceId(): string {
    return this.random.generateTraceId();
  }
  generateSpanId(): string {
    return takePendingSpanId() ?? this.random.generateSpanId();
  }
}

export function startTelemetry(options: { exporter?: SpanExporter; version?: string } = {}): Telemetry {
  const serviceName = getStringFromEnv("OTEL_SERVICE_NAME") ?? "agent-runs";
  const resource = defaultResource()
    .merge(resourceFromAttributes({ "service.name": serviceName, ...(options.version ? { "service.version": options.version } : {}) }))
    // service.instance.id tells replicas apart (a random UUID per process); OTEL_RESOURCE_ATTRIBUTES may set it instead.
    .merge(detectResources({ detectors: [serviceInstanceIdDetector, envDetector] }));
  const processor = new BatchSpanProcessor({
    exporter: options.exporter ?? new OTLPTraceExporter(),
    scheduledDelayMillis: getNumberFromEnv("OTEL_BSP_SCHEDULE_DELAY") ?? 1000,
    maxQueueSize: getNumberFromEnv("OTEL_BSP_MAX_QUEUE_SIZE") ?? 4096,
    maxExportBatchSize: getNumberFromEnv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") ?? 512,
  });
  const provider = new TracerProvider({
    resource,
    idGenerator: new RunAwareIds(),
    spanProcessors: [processor],
    // Attribute values are bounded too: a graph's error message or a client's id must not make a span large.
    spanLimits: { attributeValueLengthLimit: getNumberFromEnv("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT") ?? 1024 },
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  useTracer(trace.getTracer(TRACER_NAME));
  return {
    shutdown: async () => {
      useTracer(null);
      // Bounded: an unreachable collector must not hold up the process's exit.
      await Promise.race([provider.shutdown().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_MS).unref())]);
    },
  };
}

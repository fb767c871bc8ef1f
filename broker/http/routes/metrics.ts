/**
 * `GET /metrics`: Prometheus text exposition of the broker's metrics.
 *
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { BrokerMetrics } from "../../metrics/mod.ts";

/**
 * Registers `GET /metrics` → 200 Prometheus text (scrape-time gauges are
 * gathered from the actors on each scrape).
 *
 * @param app The app to add the route to.
 * @param metrics The broker's metrics.
 */
export function registerMetricsRoutes(app: OpenAPIHono, metrics: BrokerMetrics): void {
  app.get("/metrics", async (c) => {
    const text = await metrics.render();
    return c.body(text, 200, { "Content-Type": metrics.contentType });
  });
}

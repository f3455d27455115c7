// Alertmanager webhook payloads (version 4) of new, firing alerts, as the autoheal benches send
// them: every alert has a fingerprint no earlier one had in this process.
let seq = 0;

/**
 * One webhook body with `n` new firing alerts named `alertname`.
 * @param {string} alertname @param {number} n
 */
export function alertWebhook(alertname, n) {
  const alerts = Array.from({ length: n }, () => {
    seq += 1;
    return {
      status: "firing",
      labels: { alertname, instance: `host-${seq}`, severity: "critical", job: "bench" },
      annotations: { summary: "bench alert" },
      startsAt: new Date(Date.now() - 5000).toISOString(),
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.bench/graph",
      fingerprint: seq.toString(16).padStart(16, "0"),
    };
  });
  return JSON.stringify({ version: "4", groupKey: `{}:{alertname="${alertname}"}`, truncatedAlerts: 0, status: "firing", receiver: "vigil", groupLabels: { alertname }, commonLabels: { alertname }, commonAnnotations: {}, externalURL: "http://alertmanager.bench", alerts });
}

// A JSON call to Vigil with no client-side time limit: sealing or verifying millions of
// events answers only when done, later than fetch's 300 s header timeout allows.
import http from "node:http";

/**
 * @param {string} url @param {"GET" | "POST"} method @param {string} token bearer token
 * @returns {Promise<any>} the parsed body of a 2xx answer
 */
export function callJson(url, method, token) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => {
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${new URL(url).pathname} -> HTTP ${res.statusCode} ${text.slice(0, 300)}`));
        else resolve(JSON.parse(text));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

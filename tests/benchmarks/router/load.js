// k6 load script: POSTs one GraphQL request body (env BODY) to env URL in a loop.
// A response counts as failed unless it is HTTP 200 without an "errors" key.
import http from "k6/http";
import { check } from "k6";

const url = __ENV.URL;
const body = __ENV.BODY;
const params = { headers: { "content-type": "application/json", accept: "application/json" } };

export default function () {
  const response = http.post(url, body, params);
  check(response, {
    "graphql ok": (r) => r.status === 200 && r.body.indexOf('"errors"') === -1,
  });
}

// A CommonJS handler that throws: API Gateway answers 502 (REST) or 500 (HTTP API), and the
// error goes to the log as Lambda writes it.
exports.handler = async () => {
  throw new TypeError("the report service is down");
};

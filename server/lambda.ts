/**
 * AWS Lambda entry: the same app behind API Gateway or an ALB (which
 * terminate HTTPS). Configuration comes from the function's environment and
 * AWS Secrets Manager (AWS_REGION, CDT_AWS_SECRET_PREFIX).
 */
import { handle } from "hono/aws-lambda";
import { buildServer } from "./build.ts";

const { app } = await buildServer(Deno.env.toObject());

/** The Lambda handler. */
export const handler = handle(app);

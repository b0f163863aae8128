/**
 * A pretrained pix2pix generator (pretrained-models.ts), downloaded (io/download.ts: progress, resume,
 * clear errors offline) and imported to safetensors with its architecture, read from the weights, and
 * its direction in the metadata: ready for translate and serve with no flags.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { UserError } from "../errors.ts";
import { downloadFile, type FileDownload } from "../io/download.ts";
import { type ImportResult, importCheckpoint } from "./import-checkpoint.ts";
import { PRETRAINED, type PretrainedModel } from "./pretrained-models.ts";

export interface PretrainedRequest extends Pick<FileDownload, "log" | "progress"> {
  readonly name: string;
  /** Folder for NAME.safetensors. */
  readonly out: string;
  readonly baseUrl: string;
}

export interface PretrainedResult extends ImportResult {
  readonly model: PretrainedModel;
  readonly url: string;
}

function findModel(name: string): PretrainedModel {
  const model = PRETRAINED.find((m) => m.name === name);
  if (model === undefined) {
    throw new UserError(
      `unknown pretrained model '${name}'`,
      `the reference's pix2pix models: ${PRETRAINED.map((m) => m.name).join(", ")}`,
    );
  }
  return model;
}

/** Downloads NAME.pth (resuming a partial download) and imports it to OUT/NAME.safetensors. */
export async function downloadPretrained(request: PretrainedRequest): Promise<PretrainedResult> {
  const model = findModel(request.name);
  const url = `${request.baseUrl.replace(/\/+$/, "")}/${model.name}.pth`;
  const pth = path.join(request.out, `${model.name}.pth`);
  await downloadFile({
    ...request,
    url,
    file: pth,
    notFound: (missing) =>
      new UserError(
        `no model at ${missing} (HTTP 404)`,
        "check --url (or PIX2PIX_MODELS_URL), or the model's name",
      ),
  });
  const imported = await importCheckpoint(
    pth,
    { output: path.join(request.out, `${model.name}.safetensors`) },
    {
      family: "pix2pix",
      pretrained: model.name,
      translates: model.translates,
      dataset: model.dataset,
      direction: model.direction,
      url,
    },
  );
  rmSync(pth); // the safetensors file holds the same tensors
  return { ...imported, model, url };
}

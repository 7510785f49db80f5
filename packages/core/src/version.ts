/** The Distillery release this code is: written into exported models (ONNX producer_version). Kept equal to the packages' version. */
export const DISTILLERY_VERSION = '0.1.0';

// Fuzzes the trainer's file importer (tracks CSV, users TSV, interactions
// TSV) and the CSV line splitter: any bytes must give a dataset or a clean
// error, never a crash, hang or sanitizer report.
#include "core/dataset_io.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = recsys::fuzz::SplitInput<3>(data, size);
  (void)recsys::core::SplitCsvLine(parts[0]);
  recsys::core::DatasetFiles files;
  files.tracks_csv = recsys::fuzz::WriteScratch("tracks.csv", parts[0]);
  files.interactions_tsv =
      recsys::fuzz::WriteScratch("interactions.tsv", parts[1]);
  files.users_tsv = recsys::fuzz::WriteScratch("users.tsv", parts[2]);
  recsys::core::ImportReport report;
  (void)recsys::core::ReadDataset(files, &report);
  return 0;
}

"""A person's rights under the Personal Information Protection Law (个人信息保护法): a copy of
their data (`data_export`, `copy`, `fields`). The top of the layer: it reads every area below."""

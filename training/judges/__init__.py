"""Model judges as annotators (RLAIF): a registered reward model or a local causal LM labels a project's
pairs in a background job; its labels are `AnnotationSource.MODEL` annotations naming the judge."""

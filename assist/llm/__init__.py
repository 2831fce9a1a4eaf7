"""On-device language models: the engine boundary, llama.cpp, a fake for tests, chat formats.

Nothing here imports llama_cpp at import time; `LlamaCppEngine` imports it when a model loads.
"""

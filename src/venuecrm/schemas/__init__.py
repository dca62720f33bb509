"""Wire formats: Pydantic models for iVvy and Apideck requests and replies."""
